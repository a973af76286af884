/* demo_gen: realistic demo employees for the five seed cities. See
 * demo_gen.h. Names are assembled from small pools of given names and
 * family/clan names per region (generated combinations, not real people);
 * careers follow the rules in DOMAIN.md §1, §2.2, §2.4 and §6. */
#include "demo_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_buf.h"
#include "sp_valid.h"

/* ---- random numbers (splitmix64: tiny, good enough, deterministic) ---- */

typedef struct rng {
  uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 0 .. n-1 */
static unsigned rnd(rng_t *r, unsigned n) { return n ? (unsigned)(((rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0; }
/* lo .. hi inclusive */
static int rnd_range(rng_t *r, int lo, int hi) { return hi <= lo ? lo : lo + (int)rnd(r, (unsigned)(hi - lo + 1)); }
/* true with probability pct/100 */
static bool chance(rng_t *r, unsigned pct) { return rnd(r, 100) < pct; }

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rnd((r), (unsigned)N(a))])

/* Weighted choice: weights[i] >= 0, sum > 0. */
static unsigned pick_weighted(rng_t *r, const unsigned *w, unsigned n) {
  unsigned total = 0;
  for (unsigned i = 0; i < n; i++) total += w[i];
  unsigned x = rnd(r, total);
  for (unsigned i = 0; i < n; i++) {
    if (x < w[i]) return i;
    x -= w[i];
  }
  return n - 1;
}

/* ---- dates ---- */

typedef struct ymd {
  int y, m, d;
} ymd_t;

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int dim(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}
static int mindex(int y, int m) { return y * 12 + (m - 1); }
static int cmp_ymd(ymd_t a, ymd_t b) {
  if (a.y != b.y) return a.y < b.y ? -1 : 1;
  if (a.m != b.m) return a.m < b.m ? -1 : 1;
  return a.d < b.d ? -1 : a.d > b.d;
}
static int age_on(ymd_t birth, ymd_t day) {
  int a = day.y - birth.y;
  if (day.m < birth.m || (day.m == birth.m && day.d < birth.d)) a--;
  return a;
}
/* Writes `width` decimal digits of v (zero-padded). */
static char *put_digits(char *p, unsigned v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + width;
}
static void fmt_date(char out[11], ymd_t d) {
  char *p = put_digits(out, (unsigned)d.y, 4);
  *p++ = '-';
  p = put_digits(p, (unsigned)d.m, 2);
  *p++ = '-';
  p = put_digits(p, (unsigned)d.d, 2);
  *p = 0;
}

/* ---- reference tables ---- */

static const char *const pns_ranks[] = {"I/a",  "I/b",  "I/c",   "I/d",   "II/a",  "II/b", "II/c", "II/d", "III/a",
                                        "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"};
static const char *const pppk_grades[] = {"I",   "II",  "III", "IV",   "V",   "VI",  "VII",  "VIII", "IX",
                                          "X",   "XI",  "XII", "XIII", "XIV", "XV",  "XVI",  "XVII"};

enum { EDU_SD, EDU_SLTP, EDU_SLTA, EDU_D1, EDU_D2, EDU_D3, EDU_D4, EDU_S1, EDU_S2, EDU_S3, EDU_N };

/* DOMAIN §2.2 (the same rows as ref_education in migration 0003): start
 * rank and reguler ceiling as ordinals 1..17; usual age at graduation;
 * PPPK entry grade (DOMAIN §2.4: SLTA V, D3 VII, S1 IX, uncertain). */
static const struct {
  const char *level;
  int start, ceiling, grad_age, pppk_grade;
} edu[EDU_N] = {
    {"SD", 1, 5, 13, 1},    {"SLTP", 3, 7, 16, 3},  {"SLTA", 5, 10, 19, 5}, {"D1", 5, 10, 20, 5},
    {"D2", 6, 10, 21, 6},   {"D3", 7, 11, 22, 7},   {"D4", 9, 12, 23, 9},   {"S1", 9, 12, 23, 9},
    {"S2", 10, 13, 26, 10}, {"S3", 11, 14, 31, 11},
};

int demo_rank_ordinal(const char *code) {
  for (size_t i = 0; i < N(pns_ranks); i++)
    if (strcmp(code, pns_ranks[i]) == 0) return (int)i + 1;
  return 0;
}
static int edu_index(const char *level) {
  for (int i = 0; i < EDU_N; i++)
    if (strcmp(level, edu[i].level) == 0) return i;
  return -1;
}
const char *demo_education_ceiling(const char *level) {
  int i = edu_index(level);
  return i < 0 ? NULL : pns_ranks[edu[i].ceiling - 1];
}
const char *demo_education_start(const char *level) {
  int i = edu_index(level);
  return i < 0 ? NULL : pns_ranks[edu[i].start - 1];
}

/* ---- offices and regions ---- */

enum { DEPT_SETDA, DEPT_BKPSDM, DEPT_DISDIK, DEPT_DINKES, DEPT_OTHER, DEPT_N };
enum { REG_BINJAI, REG_SIANTAR, REG_PALEMBANG, REG_KENDARI, REG_PALANGKA, REG_OTHER, REG_N };

static const struct {
  const char *code; /* province.city */
  const char *city;
  unsigned weight; /* share of the employees, roughly by city size */
  const char *const birth_places[6];
} cities[REG_N] = {
    {"12.75", "Binjai", 14, {"Binjai", "Binjai", "Medan", "Stabat", "Tanjung Pura", "Kabanjahe"}},
    {"12.72", "Pematangsiantar", 14, {"Pematangsiantar", "Pematangsiantar", "Pematang Raya", "Tarutung", "Balige", "Medan"}},
    {"16.71", "Palembang", 38, {"Palembang", "Palembang", "Palembang", "Prabumulih", "Lahat", "Kayuagung"}},
    {"74.71", "Kendari", 17, {"Kendari", "Kendari", "Unaaha", "Raha", "Baubau", "Kolaka"}},
    {"62.71", "Palangka Raya", 17, {"Palangka Raya", "Palangka Raya", "Kuala Kapuas", "Sampit", "Pangkalan Bun", "Banjarmasin"}},
    {"", "", 10, {"Jakarta", "Yogyakarta", "Surabaya", "Bandung", "Semarang", "Padang"}},
};

static const unsigned dept_weight[DEPT_N] = {14, 7, 42, 27, 10};

typedef struct office {
  const char *code;
  int region, dept, province, city;
  unsigned weight;
} office_t;

/* ---- names ---- */

/* Ethnic/name groups. */
enum { G_NATIONAL, G_MANDAILING, G_TOBA, G_KARO, G_PALEMBANG, G_BUGIS, G_BUTON, G_TOLAKI, G_DAYAK, G_BANJAR, G_N };

static const unsigned region_groups[REG_N][G_N] = {
    /*              NAT MAND TOBA KARO PLG BUGIS BUTON TOLAKI DAYAK BANJAR */
    [REG_BINJAI] = {55, 15, 12, 15, 0, 0, 0, 0, 0, 3},
    [REG_SIANTAR] = {28, 10, 55, 5, 0, 0, 0, 0, 0, 2},
    [REG_PALEMBANG] = {22, 2, 2, 0, 74, 0, 0, 0, 0, 0},
    [REG_KENDARI] = {24, 0, 1, 0, 0, 33, 22, 20, 0, 0},
    [REG_PALANGKA] = {25, 0, 2, 0, 0, 2, 0, 0, 38, 33},
    [REG_OTHER] = {100, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

static const char *const muslim_m[] = {
    "Ahmad", "Muhammad", "Rizki", "Fajar", "Hendra", "Dedi", "Agus", "Yudi", "Firmansyah", "Syahrul", "Zainal",
    "Aidil", "Iskandar", "Darmawan", "Rahmat", "Irwansyah", "Zulkarnain", "Amiruddin", "Ilham", "Irfan", "Hidayat",
    "Fauzan", "Rusdi", "Arif", "Taufik", "Hasan", "Yusuf", "Ridwan", "Syaiful", "Abdul", "Nurdin", "Fikri"};
static const char *const muslim_f[] = {
    "Siti", "Nurul", "Rahmawati", "Yuliana", "Novita", "Desi", "Eka", "Meilinda", "Febriyanti", "Sari", "Indah",
    "Fitriani", "Khairani", "Mardiah", "Nurhayati", "Aisyah", "Zahra", "Hasnah", "Rosmiati", "Sumarni",
    "Asmawati", "Norhayati", "Rusmiati", "Nurlela", "Fatimah", "Halimah", "Rahmi", "Annisa", "Nadia", "Lailatul"};
static const char *const muslim_second_m[] = {"Fauzi", "Hakim", "Syahputra", "Ramadhan", "Kurniawan", "Saputra",
                                              "Hidayatullah", "Firdaus", "Maulana", "Akbar", "Rahman", "Alamsyah"};
static const char *const muslim_second_f[] = {"Aminah", "Rahmadani", "Fitri", "Wulandari", "Safitri", "Handayani",
                                              "Maharani", "Ramadhani", "Oktaviani", "Novianti", "Puspita", "Lestari"};
static const char *const christian_m[] = {"Daniel", "Yosua", "Samuel", "Jonathan", "Andreas", "Lukas", "Mikael",
                                          "Yohanes", "Frans", "Roy", "Hendrik", "Paulus", "Markus", "Benny"};
static const char *const christian_f[] = {"Ruth", "Maria", "Debora", "Yohana", "Natalia", "Elisabeth", "Agustina",
                                          "Veronika", "Kristina", "Imelda", "Herlina", "Lusiana"};
/* Batak given names, for Christians of the Batak groups. */
static const char *const batak_m[] = {"Hotma", "Parlindungan", "Tigor", "Binsar", "Togar", "Sahat", "Martua",
                                      "Rudolf", "Poltak", "Bonar", "Maruli", "Jhonson"};
static const char *const batak_f[] = {"Rosmawati", "Rotua", "Tiurma", "Lamria", "Dame", "Sondang", "Romauli",
                                      "Tiominar", "Hotnida", "Rumondang"};
static const char *const national_m[] = {"Budi", "Agus", "Eko", "Joko", "Bambang", "Slamet", "Hendra", "Rudi",
                                         "Wahyu", "Adi", "Andri", "Rizky", "Fajar", "Arif", "Bayu", "Dimas", "Yoga",
                                         "Teguh", "Heru", "Dwi", "Tri", "Sugeng", "Hari", "Anton"};
static const char *const national_second_m[] = {"Santoso", "Prasetyo", "Wibowo", "Saputra", "Nugroho", "Setiawan",
                                                "Hidayat", "Kurniawan", "Susanto", "Purnomo", "Gunawan", "Wijaya",
                                                "Pratama", "Hermawan", "Sutrisno", "Utomo", "Sulistyo", "Riyadi"};
static const char *const national_f[] = {"Sri", "Dewi", "Rina", "Siti", "Nur", "Endang", "Ratna", "Wulan", "Fitri",
                                         "Putri", "Ayu", "Dian", "Yuni", "Lina", "Ika", "Tri", "Retno", "Novi"};
static const char *const national_second_f[] = {"Wahyuni", "Lestari", "Rahayu", "Handayani", "Kusumawati",
                                                "Puspitasari", "Susanti", "Wulandari", "Maharani", "Anggraini",
                                                "Permatasari", "Ningsih", "Astuti", "Kartika", "Purwanti"};
static const char *const marga_mandailing[] = {"Nasution", "Lubis", "Harahap", "Siregar", "Hasibuan", "Batubara",
                                               "Pulungan", "Daulay", "Rangkuti", "Ritonga", "Dalimunthe", "Matondang"};
static const char *const marga_toba[] = {"Simanjuntak", "Sitorus", "Sinaga", "Simatupang", "Panjaitan", "Hutapea",
                                         "Manurung", "Situmorang", "Sihombing", "Pardede", "Tampubolon",
                                         "Napitupulu", "Silalahi", "Siahaan", "Hutagalung", "Purba", "Saragih",
                                         "Damanik", "Girsang", "Sipayung", "Sitanggang", "Gultom", "Marpaung",
                                         "Pasaribu", "Hutabarat"};
static const char *const marga_karo[] = {"Ginting", "Sembiring", "Tarigan", "Karo-Karo", "Perangin-angin", "Sitepu",
                                         "Barus", "Bangun", "Sinulingga", "Surbakti"};
static const char *const palembang_prefix_m[] = {"Kemas", "Kiagus", "Masagus", "Raden"};
static const char *const palembang_prefix_f[] = {"Nyimas", "Nyayu", "Masayu", "Raden Ayu"};
static const char *const bugis_m[] = {"Baso", "Sudirman", "Syamsuddin", "Hasanuddin", "Arifuddin", "Jamaluddin",
                                      "Asrul", "Muh. Amir", "Sappe", "Nasrun", "Haerul", "Sukri"};
static const char *const bugis_f[] = {"Besse", "Hasnah", "Nurhaeda", "Sitti", "Hasriani", "Rosmiati", "Sumarni",
                                      "Asmawati", "Hadijah", "Nurhalisa", "Megawati", "Ramlah"};
static const char *const tolaki_family[] = {"Saranani", "Lakidende", "Tawulo", "Mekuo", "Konggoasa", "Anawai",
                                            "Pombili", "Sabara"};
static const char *const dayak_m[] = {"Tingang", "Nyahu", "Bahen", "Dehen", "Ugang", "Sahay", "Tampung", "Liwan",
                                      "Rangkap", "Bawin"};
static const char *const dayak_f[] = {"Nyai", "Tiwi", "Intan", "Kameloh", "Itah", "Sintae", "Nunik", "Isen"};
static const char *const dayak_family[] = {"Djaban", "Sahay", "Anggen", "Usop", "Dinan", "Tingang", "Riwut",
                                           "Bungai", "Lambung", "Mihing"};
static const char *const banjar_m[] = {"Akhmad", "Muhammad", "Rusdi", "Fauzan", "Anang", "Syahriansyah",
                                       "Khairil", "Mahyuni", "Rahmadi", "Noor"};
static const char *const banjar_f[] = {"Norhayati", "Rusmiati", "Mahrita", "Norliani", "Rahmah", "Fahriah",
                                       "Noorjannah", "Misrawati", "Hafizah", "Raudah"};

static const char *const streets[] = {"Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Imam Bonjol",
                                      "Jl. Merdeka", "Jl. Pahlawan", "Jl. Veteran", "Jl. Kartini", "Jl. Pattimura"};
static const char *const local_streets[REG_N][3] = {
    [REG_BINJAI] = {"Jl. Jamin Ginting", "Jl. T. Amir Hamzah", "Jl. Gatot Subroto"},
    [REG_SIANTAR] = {"Jl. Sisingamangaraja", "Jl. Sutomo", "Jl. Kartini"},
    [REG_PALEMBANG] = {"Jl. Demang Lebar Daun", "Jl. Angkatan 45", "Jl. Kol. H. Burlian"},
    [REG_KENDARI] = {"Jl. Abdullah Silondae", "Jl. MT Haryono", "Jl. Saranani"},
    [REG_PALANGKA] = {"Jl. Tjilik Riwut", "Jl. G. Obos", "Jl. RTA Milono"},
    [REG_OTHER] = {"Jl. Thamrin", "Jl. Gatot Subroto", "Jl. Rasuna Said"},
};

/* ---- NIP sequence table: count of NIPs per 15-digit prefix ---- */

typedef struct seqtab {
  uint64_t *keys; /* prefix + 1; 0 = empty */
  uint16_t *counts;
  size_t cap, used;
} seqtab_t;

static size_t seq_slot(const seqtab_t *t, uint64_t key) {
  uint64_t h = key * 0x9e3779b97f4a7c15ULL;
  size_t i = (size_t)(h >> 20) & (t->cap - 1);
  while (t->keys[i] && t->keys[i] != key) i = (i + 1) & (t->cap - 1);
  return i;
}

static void seq_init(seqtab_t *t, size_t expected) {
  t->cap = 1024;
  while (t->cap < expected * 2) t->cap <<= 1;
  t->keys = sp_xcalloc(t->cap, sizeof(*t->keys));
  t->counts = sp_xcalloc(t->cap, sizeof(*t->counts));
  t->used = 0;
}

static void seq_grow(seqtab_t *t) {
  seqtab_t n;
  seq_init(&n, t->cap);
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->keys[i]) continue;
    size_t j = seq_slot(&n, t->keys[i]);
    n.keys[j] = t->keys[i];
    n.counts[j] = t->counts[i];
    n.used++;
  }
  free(t->keys);
  free(t->counts);
  *t = n;
}

/* The next sequence number for `prefix` (1..999), 0 if exhausted. */
static int seq_take(seqtab_t *t, uint64_t prefix) {
  if ((t->used + 1) * 2 > t->cap) seq_grow(t);
  size_t i = seq_slot(t, prefix + 1);
  if (!t->keys[i]) {
    t->keys[i] = prefix + 1;
    t->used++;
  }
  if (t->counts[i] >= 999) return 0;
  return ++t->counts[i];
}

/* ---- the generator ---- */

struct demo_gen {
  rng_t rng;
  ymd_t today;
  office_t *offices;
  size_t n_offices;
  seqtab_t seq;
  uint64_t n; /* records made */
};

static int region_of(const char *code, int *province, int *city) {
  *province = atoi(code);
  const char *dot = strchr(code, '.');
  *city = dot ? atoi(dot + 1) : 0;
  for (int r = 0; r < REG_OTHER; r++) {
    size_t n = strlen(cities[r].code);
    if (strncmp(code, cities[r].code, n) == 0 && (code[n] == '.' || code[n] == 0)) return r;
  }
  return REG_OTHER;
}

static int dept_of(const char *code) {
  if (strstr(code, ".DISDIK")) return DEPT_DISDIK;
  if (strstr(code, ".DINKES")) return DEPT_DINKES;
  if (strstr(code, ".BKPSDM")) return DEPT_BKPSDM;
  if (strstr(code, ".SETDA")) return DEPT_SETDA;
  return DEPT_OTHER;
}

demo_gen_t *demo_gen_new(uint64_t seed, const char *today, const char *const *offices, size_t n_offices,
                         size_t expected) {
  if (!today || !sp_valid_date(today, NULL) || n_offices == 0) return NULL;
  demo_gen_t *g = sp_xcalloc(1, sizeof(*g));
  g->rng.s = seed ^ 0x53494d5045470001ULL; /* "SIMPEG" */
  g->today.y = atoi(today);
  g->today.m = atoi(today + 5);
  g->today.d = atoi(today + 8);
  g->offices = sp_xcalloc(n_offices, sizeof(*g->offices));
  g->n_offices = n_offices;
  /* Offices of one department in one city share its weight. */
  unsigned same[REG_N][DEPT_N] = {{0}};
  for (size_t i = 0; i < n_offices; i++) {
    office_t *o = &g->offices[i];
    o->code = offices[i];
    o->region = region_of(o->code, &o->province, &o->city);
    o->dept = dept_of(o->code);
    same[o->region][o->dept]++;
  }
  for (size_t i = 0; i < n_offices; i++) {
    office_t *o = &g->offices[i];
    o->weight = cities[o->region].weight * dept_weight[o->dept] * 60 / same[o->region][o->dept];
    if (!o->weight) o->weight = 1;
  }
  seq_init(&g->seq, expected ? expected : 1024);
  return g;
}

void demo_gen_free(demo_gen_t *g) {
  if (!g) return;
  free(g->seq.keys);
  free(g->seq.counts);
  free(g->offices);
  free(g);
}

static const office_t *pick_office(demo_gen_t *g) {
  unsigned total = 0;
  for (size_t i = 0; i < g->n_offices; i++) total += g->offices[i].weight;
  unsigned x = rnd(&g->rng, total);
  for (size_t i = 0; i < g->n_offices; i++) {
    if (x < g->offices[i].weight) return &g->offices[i];
    x -= g->offices[i].weight;
  }
  return &g->offices[g->n_offices - 1];
}

static const char *pick_religion(rng_t *r, int group) {
  static const char *const rel[] = {"islam", "protestan", "katolik", "hindu", "buddha", "konghucu"};
  static const unsigned w[G_N][6] = {
      [G_NATIONAL] = {88, 5, 4, 2, 1, 0}, [G_MANDAILING] = {97, 3, 0, 0, 0, 0}, [G_TOBA] = {5, 75, 20, 0, 0, 0},
      [G_KARO] = {20, 55, 25, 0, 0, 0},   [G_PALEMBANG] = {97, 1, 1, 0, 1, 0},  [G_BUGIS] = {99, 1, 0, 0, 0, 0},
      [G_BUTON] = {99, 1, 0, 0, 0, 0},    [G_TOLAKI] = {93, 5, 2, 0, 0, 0},     [G_DAYAK] = {15, 50, 20, 15, 0, 0},
      [G_BANJAR] = {99, 0, 1, 0, 0, 0},
  };
  return rel[pick_weighted(r, w[group], 6)];
}

static void make_name(rng_t *r, int group, bool male, const char *religion, char *out, size_t cap) {
  bool christian = strcmp(religion, "protestan") == 0 || strcmp(religion, "katolik") == 0;
  const char *given = male ? (christian ? PICK(r, christian_m) : PICK(r, muslim_m))
                           : (christian ? PICK(r, christian_f) : PICK(r, muslim_f));
  switch (group) {
  case G_MANDAILING:
  case G_TOBA:
  case G_KARO: {
    if (christian && group != G_KARO && chance(r, 50)) given = male ? PICK(r, batak_m) : PICK(r, batak_f);
    const char *marga = group == G_MANDAILING ? PICK(r, marga_mandailing)
                        : group == G_TOBA     ? PICK(r, marga_toba)
                                              : PICK(r, marga_karo);
    if (chance(r, 35)) {
      const char *second = male ? (christian ? PICK(r, christian_m) : PICK(r, muslim_second_m))
                                : (christian ? PICK(r, christian_f) : PICK(r, muslim_second_f));
      if (strcmp(second, given) != 0) {
        snprintf(out, cap, "%s %s %s", given, second, marga);
        return;
      }
    }
    snprintf(out, cap, "%s %s", given, marga);
    return;
  }
  case G_PALEMBANG: {
    const char *second = male ? PICK(r, muslim_second_m) : PICK(r, muslim_second_f);
    if (chance(r, 8))
      snprintf(out, cap, "%s %s %s", male ? PICK(r, palembang_prefix_m) : PICK(r, palembang_prefix_f), given,
               second);
    else
      snprintf(out, cap, "%s %s", given, second);
    return;
  }
  case G_BUGIS: {
    const char *b = male ? PICK(r, bugis_m) : PICK(r, bugis_f);
    if (chance(r, 15))
      snprintf(out, cap, "Andi %s %s", b, male ? PICK(r, muslim_second_m) : PICK(r, muslim_second_f));
    else if (chance(r, 50))
      snprintf(out, cap, "%s", b);
    else
      snprintf(out, cap, "%s %s", given, b);
    return;
  }
  case G_BUTON:
    snprintf(out, cap, "%s %s %s", male ? "La Ode" : "Wa Ode", given,
             male ? PICK(r, muslim_second_m) : PICK(r, muslim_second_f));
    return;
  case G_TOLAKI:
    snprintf(out, cap, "%s %s", given, PICK(r, tolaki_family));
    return;
  case G_DAYAK:
    if (christian || chance(r, 40))
      snprintf(out, cap, "%s %s", christian ? given : (male ? PICK(r, dayak_m) : PICK(r, dayak_f)),
               PICK(r, dayak_family));
    else
      snprintf(out, cap, "%s %s", male ? PICK(r, dayak_m) : PICK(r, dayak_f), PICK(r, dayak_family));
    return;
  case G_BANJAR:
    if (chance(r, 5))
      snprintf(out, cap, "%s %s", male ? "Gusti" : "Antung", male ? PICK(r, banjar_m) : PICK(r, banjar_f));
    else
      snprintf(out, cap, "%s %s", male ? PICK(r, banjar_m) : PICK(r, banjar_f),
               male ? PICK(r, muslim_second_m) : PICK(r, muslim_second_f));
    return;
  default:
    if (christian)
      snprintf(out, cap, "%s %s", given, male ? PICK(r, national_second_m) : PICK(r, national_second_f));
    else if (chance(r, 55))
      snprintf(out, cap, "%s %s", male ? PICK(r, national_m) : PICK(r, national_f),
               male ? PICK(r, national_second_m) : PICK(r, national_second_f));
    else
      snprintf(out, cap, "%s %s", given, male ? PICK(r, national_second_m) : PICK(r, national_second_f));
    return;
  }
}

static int pick_education(rng_t *r, int dept, int type) {
  static const unsigned w[DEPT_N][EDU_N] = {
      /*              SD SLTP SLTA D1 D2 D3 D4 S1 S2 S3 */
      [DEPT_SETDA] = {1, 2, 22, 1, 1, 10, 2, 45, 15, 1},
      [DEPT_BKPSDM] = {0, 1, 18, 1, 1, 10, 2, 50, 16, 1},
      [DEPT_DISDIK] = {1, 1, 6, 0, 3, 3, 1, 72, 12, 1},
      [DEPT_DINKES] = {1, 1, 8, 0, 0, 45, 6, 32, 6, 1},
      [DEPT_OTHER] = {2, 3, 30, 1, 1, 12, 2, 38, 10, 1},
  };
  int e = (int)pick_weighted(r, w[dept], EDU_N);
  if (type == 3 && e < EDU_SLTA) e = EDU_SLTA; /* PPPK formations start at SLTA */
  return e;
}

/* Functional positions per department: name, whether it is an "ahli" (S1+)
 * or "keterampilan" (D3/SLTA) ladder. */
typedef struct jf {
  const char *name;
  bool ahli;
} jf_t;

static const jf_t jf_setda[] = {{"Analis Kebijakan", true}, {"Pranata Komputer", true}, {"Pranata Komputer", false},
                                {"Arsiparis", true},        {"Arsiparis", false},       {"Perencana", true}};
static const jf_t jf_bkpsdm[] = {{"Analis Sumber Daya Manusia Aparatur", true},
                                 {"Pranata Sumber Daya Manusia Aparatur", false},
                                 {"Asesor Sumber Daya Manusia Aparatur", true}};
static const jf_t jf_disdik[] = {{"Guru", true}, {"Guru", true}, {"Guru", true}, {"Pengawas Sekolah", true},
                                 {"Pamong Belajar", true}};
static const jf_t jf_dinkes_d3[] = {{"Perawat", false}, {"Bidan", false}, {"Sanitarian", false},
                                    {"Pranata Laboratorium Kesehatan", false}, {"Nutrisionis", false}};
static const jf_t jf_dinkes_s1[] = {{"Perawat", true}, {"Dokter", true}, {"Dokter", true}, {"Dokter Gigi", true},
                                    {"Apoteker", true}, {"Administrator Kesehatan", true}, {"Epidemiolog Kesehatan", true}};

static const char *level_label(const char *level) {
  if (strcmp(level, "ahli_pertama") == 0) return "Ahli Pertama";
  if (strcmp(level, "ahli_muda") == 0) return "Ahli Muda";
  if (strcmp(level, "ahli_madya") == 0) return "Ahli Madya";
  if (strcmp(level, "terampil") == 0) return "Terampil";
  if (strcmp(level, "mahir") == 0) return "Mahir";
  return "Penyelia";
}

/* Functional level from the current rank (ordinal 1..17 on the PNS scale;
 * PPPK grades map I..XVII onto it, DOMAIN §2.4). NULL: rank too low. */
static const char *jf_level(bool ahli, int ord) {
  if (ahli) {
    if (ord < 9) return NULL;
    return ord <= 10 ? "ahli_pertama" : ord <= 12 ? "ahli_muda" : "ahli_madya";
  }
  if (ord < 6) return NULL;
  return ord <= 8 ? "terampil" : ord <= 10 ? "mahir" : "penyelia";
}

static const char *const pelaksana_s1[] = {"Penata Layanan Operasional", "Penelaah Teknis Kebijakan",
                                           "Pengolah Data dan Informasi"};
static const char *const pelaksana_d3[] = {"Pengelola Layanan Operasional", "Pengadministrasi Perkantoran",
                                           "Pengolah Data"};
static const char *const pelaksana_low[] = {"Operator Layanan Operasional", "Pengadministrasi Umum",
                                            "Pengemudi", "Petugas Keamanan"};

static const char *const dept_label[DEPT_N] = {"Bagian Umum", "Bidang Mutasi dan Promosi", "Bidang Pembinaan SD",
                                               "Bidang Pelayanan Kesehatan", "Bagian Umum"};
static const char *const jpt_label[DEPT_N] = {"Asisten Administrasi Umum",
                                              "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
                                              "Kepala Dinas Pendidikan", "Kepala Dinas Kesehatan",
                                              "Staf Ahli Wali Kota"};

/* Fills the position; returns the BUP for it (ref_bup in migration 0003). */
static int make_position(rng_t *r, demo_employee_t *e, int dept, int e_idx, int ord, const char **jf_name) {
  e->functional_level = "";
  *jf_name = NULL;
  if (e->employment_type == 1) { /* structural posts: PNS only */
    if (ord >= 13 && e_idx >= EDU_S2 && chance(r, 6)) {
      snprintf(e->position_name, sizeof(e->position_name), "%s", jpt_label[dept]);
      e->position_kind = 1;
      return 60;
    }
    if (ord >= 12 && e_idx >= EDU_S1 && chance(r, 6)) {
      snprintf(e->position_name, sizeof(e->position_name), "Kepala %s", dept_label[dept]);
      e->position_kind = 2;
      return 58;
    }
    if (ord >= 10 && e_idx >= EDU_D3 && chance(r, 9)) {
      snprintf(e->position_name, sizeof(e->position_name), "%s",
               chance(r, 50) ? "Kepala Subbagian Umum dan Kepegawaian" : "Kepala Seksi Pelayanan");
      e->position_kind = 3;
      return 58;
    }
  }
  /* Functional, when the education and rank fit a ladder. */
  const jf_t *list = NULL;
  size_t n = 0;
  switch (dept) {
  case DEPT_SETDA: list = jf_setda; n = N(jf_setda); break;
  case DEPT_BKPSDM: list = jf_bkpsdm; n = N(jf_bkpsdm); break;
  case DEPT_DISDIK: list = jf_disdik; n = N(jf_disdik); break;
  case DEPT_DINKES:
    if (e_idx >= EDU_S1) {
      list = jf_dinkes_s1;
      n = N(jf_dinkes_s1);
    } else {
      list = jf_dinkes_d3;
      n = N(jf_dinkes_d3);
    }
    break;
  default: break;
  }
  unsigned pct = dept == DEPT_DISDIK ? 90 : dept == DEPT_DINKES ? 85 : 35;
  if (list && chance(r, pct)) {
    const jf_t *j = &list[rnd(r, (unsigned)n)];
    bool ahli = j->ahli && e_idx >= EDU_D4;
    const char *name = j->name;
    if (j->ahli && !ahli) {
      /* an "ahli" post without the degree: the department's skilled ladder
       * (teachers need a degree: no ladder) */
      name = dept == DEPT_DISDIK   ? NULL
             : dept == DEPT_DINKES ? "Perawat"
             : dept == DEPT_BKPSDM ? "Pranata Sumber Daya Manusia Aparatur"
                                   : "Pranata Komputer";
    }
    const char *level = name && (ahli || e_idx >= EDU_SLTA) ? jf_level(ahli, ord) : NULL;
    if (level) {
      *jf_name = name;
      e->functional_level = level;
      e->position_kind = 5;
      snprintf(e->position_name, sizeof(e->position_name), "%s %s", name, level_label(level));
      return strcmp(level, "ahli_madya") == 0 ? 60 : 58;
    }
  }
  e->position_kind = 4;
  snprintf(e->position_name, sizeof(e->position_name), "%s",
           e_idx >= EDU_D4 ? PICK(r, pelaksana_s1) : e_idx >= EDU_D2 ? PICK(r, pelaksana_d3) : PICK(r, pelaksana_low));
  return 58;
}

static void add_titles(rng_t *r, demo_employee_t *e, int dept, int e_idx, const char *jf_name, int birth_year) {
  const char *s1 = NULL, *s2 = NULL, *front = "";
  const char *low = NULL;
  if (e_idx == EDU_D2) low = dept == DEPT_DISDIK ? "A.Ma.Pd." : "A.Ma.";
  if (e_idx == EDU_D3) {
    if (jf_name && strcmp(jf_name, "Bidan") == 0) low = "A.Md.Keb.";
    else if (jf_name && strcmp(jf_name, "Perawat") == 0) low = "A.Md.Kep.";
    else if (dept == DEPT_DINKES) low = "A.Md.Kes.";
    else low = "A.Md.";
  }
  if (e_idx == EDU_D4) low = dept == DEPT_DINKES ? "S.Tr.Keb." : "S.Tr.";
  if (e_idx >= EDU_S1) {
    static const char *const admin[] = {"S.E.", "S.H.", "S.Sos.", "S.Kom.", "S.T.", "S.AP.", "S.IP.", "S.Psi."};
    static const char *const guru[] = {"S.Pd.", "S.Pd.", "S.Pd.", "S.Pd.I.", "S.Si.", "S.Pd.SD."};
    if (dept == DEPT_DISDIK) s1 = PICK(r, guru);
    else if (dept == DEPT_DINKES) {
      if (jf_name && strcmp(jf_name, "Dokter") == 0) front = "dr.";
      else if (jf_name && strcmp(jf_name, "Dokter Gigi") == 0) front = "drg.";
      else if (jf_name && strcmp(jf_name, "Perawat") == 0) s1 = "S.Kep., Ns.";
      else if (jf_name && strcmp(jf_name, "Apoteker") == 0) s1 = "S.Farm., Apt.";
      else s1 = "S.KM.";
    } else {
      s1 = PICK(r, admin);
      if (strcmp(s1, "S.T.") == 0 && birth_year < 1975 && chance(r, 60)) {
        front = "Ir.";
        s1 = NULL;
      }
    }
  }
  if (e_idx >= EDU_S2) {
    static const char *const m_admin[] = {"M.Si.", "M.M.", "M.AP.", "M.H.", "M.Kom.", "M.Si."};
    s2 = dept == DEPT_DISDIK ? "M.Pd." : dept == DEPT_DINKES ? "M.Kes." : PICK(r, m_admin);
  }
  char fb[16];
  if (e_idx == EDU_S3)
    snprintf(fb, sizeof(fb), "%s%s%s", "Dr.", *front ? " " : "", front);
  else
    snprintf(fb, sizeof(fb), "%s", front);
  snprintf(e->front_title, sizeof(e->front_title), "%s", fb);
  if (low) snprintf(e->back_title, sizeof(e->back_title), "%s", low);
  else if (s1 && s2) snprintf(e->back_title, sizeof(e->back_title), "%s, %s", s1, s2);
  else if (s1) snprintf(e->back_title, sizeof(e->back_title), "%s", s1);
  else if (s2) snprintf(e->back_title, sizeof(e->back_title), "%s", s2);
}

static const char *institution_for(rng_t *r, int region, int e_idx, int dept) {
  static const char *const univ[REG_N][3] = {
      [REG_BINJAI] = {"Universitas Sumatera Utara", "Universitas Negeri Medan", "Universitas Islam Sumatera Utara"},
      [REG_SIANTAR] = {"Universitas Sumatera Utara", "Universitas HKBP Nommensen", "Universitas Simalungun"},
      [REG_PALEMBANG] = {"Universitas Sriwijaya", "Universitas Muhammadiyah Palembang", "UIN Raden Fatah Palembang"},
      [REG_KENDARI] = {"Universitas Halu Oleo", "Universitas Muhammadiyah Kendari", "IAIN Kendari"},
      [REG_PALANGKA] = {"Universitas Palangka Raya", "IAIN Palangka Raya", "Universitas Lambung Mangkurat"},
      [REG_OTHER] = {"Universitas Gadjah Mada", "Universitas Indonesia", "Universitas Terbuka"},
  };
  static const char *const poltekkes[REG_N] = {"Poltekkes Kemenkes Medan",     "Poltekkes Kemenkes Medan",
                                               "Poltekkes Kemenkes Palembang", "Poltekkes Kemenkes Kendari",
                                               "Poltekkes Kemenkes Palangka Raya", "Poltekkes Kemenkes Jakarta II"};
  if (e_idx <= EDU_SLTA) return e_idx == EDU_SLTA ? "SMA Negeri" : e_idx == EDU_SLTP ? "SMP Negeri" : "SD Negeri";
  if (dept == DEPT_DINKES && e_idx <= EDU_D4) return poltekkes[region];
  if (e_idx >= EDU_S1 && chance(r, 12)) return "Universitas Terbuka";
  return univ[region][rnd(r, 3)];
}

/* One attempt at a career; false when the person would be past BUP. */
static bool make_career(demo_gen_t *g, demo_employee_t *e, const office_t *o, int e_idx, ymd_t *birth_out) {
  rng_t *r = &g->rng;
  ymd_t today = g->today;
  int today_mi = mindex(today.y, today.m);
  int type = e->employment_type;
  int grad = edu[e_idx].grad_age < 18 ? 18 : edu[e_idx].grad_age;
  int appt_age, tmt_mi;
  if (type == 3) {
    /* PPPK: appointed 2019 or later (waves in 2021-2024), often older. */
    static const unsigned yw[] = {4, 6, 18, 22, 24, 20, 6, 6};
    int y = 2019 + (int)pick_weighted(r, yw, N(yw));
    if (y > today.y) y = today.y;
    int m = (y == today.y) ? rnd_range(r, 1, today.m) : (chance(r, 60) ? rnd_range(r, 1, 4) : rnd_range(r, 1, 12));
    tmt_mi = mindex(y, m);
    appt_age = grad + rnd_range(r, 0, 28);
  } else if (type == 2) {
    /* CPNS: appointed within the last year. */
    tmt_mi = today_mi - rnd_range(r, 0, 11);
    appt_age = grad + rnd_range(r, 0, 35 - grad > 0 ? 35 - grad : 0);
  } else {
    int max_appt = e_idx >= EDU_S2 ? 40 : 35;
    appt_age = grad + rnd_range(r, 0, max_appt - grad > 0 ? (max_appt - grad) * 2 / 3 : 0);
    int max_service = 59 - appt_age;
    if (max_service < 1) max_service = 1;
    int months = rnd_range(r, 12, max_service * 12);
    tmt_mi = today_mi - months;
  }
  if (appt_age < 18) appt_age = 18;
  /* Born 1..12 months before the appointment-age birthday: TMT (day 1) is
   * then at least 18 years after birth. */
  int birth_mi = tmt_mi - appt_age * 12 - rnd_range(r, 1, 12);
  ymd_t birth = {birth_mi / 12, birth_mi % 12 + 1, 1};
  birth.d = rnd_range(r, 1, dim(birth.y, birth.m));
  ymd_t tmt = {tmt_mi / 12, tmt_mi % 12 + 1, 1};
  e->age = age_on(birth, today);
  if (e->age < 20 || e->age > 64) return false;
  if (cmp_ymd(tmt, today) > 0) return false;
  fmt_date(e->birth_date, birth);
  fmt_date(e->tmt_cpns, tmt);

  /* Ranks. */
  e->n_ranks = 0;
  int ord;
  if (type == 3) {
    int grade = edu[e_idx].pppk_grade;
    snprintf(e->ranks[0].code, sizeof(e->ranks[0].code), "%s", pppk_grades[grade - 1]);
    fmt_date(e->ranks[0].tmt, tmt);
    e->ranks[0].mkg_years = 0;
    e->n_ranks = 1;
    ord = grade;
  } else {
    ord = edu[e_idx].start;
    snprintf(e->ranks[0].code, sizeof(e->ranks[0].code), "%s", pns_ranks[ord - 1]);
    fmt_date(e->ranks[0].tmt, tmt);
    e->ranks[0].mkg_years = 0;
    e->n_ranks = 1;
    int y = tmt.y;
    while (type == 1 && ord < edu[e_idx].ceiling && e->n_ranks < DEMO_MAX_RANKS) {
      y += chance(r, 70) ? 4 : 5;
      ymd_t kp = {y, chance(r, 50) ? 4 : 10, 1};
      if (cmp_ymd(kp, today) > 0) break;
      ord++;
      demo_rank_t *k = &e->ranks[e->n_ranks++];
      snprintf(k->code, sizeof(k->code), "%s", pns_ranks[ord - 1]);
      fmt_date(k->tmt, kp);
      k->mkg_years = (mindex(kp.y, kp.m) - tmt_mi) / 12;
    }
  }
  *birth_out = birth;
  (void)o;
  return true;
}

static void make_nik(demo_gen_t *g, demo_employee_t *e, const office_t *o, ymd_t birth) {
  rng_t *r = &g->rng;
  int prov = o->province, city = o->city;
  if (o->region == REG_OTHER || prov < 11 || prov > 96) {
    prov = 31; /* DKI Jakarta */
    city = 71;
  }
  int day = birth.d + (e->sex == 2 ? 40 : 0);
  char *p = put_digits(e->nik, (unsigned)prov, 2);
  p = put_digits(p, (unsigned)city, 2);
  p = put_digits(p, (unsigned)rnd_range(r, 1, 8), 2); /* district */
  p = put_digits(p, (unsigned)day, 2);
  p = put_digits(p, (unsigned)birth.m, 2);
  p = put_digits(p, (unsigned)(birth.y % 100), 2);
  p = put_digits(p, (unsigned)rnd_range(r, 1, 9999), 4);
  *p = 0;
}

static void ascii_lower_word(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && *s != ' ' && n + 1 < cap; s++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z')) out[n++] = c;
  }
  out[n] = 0;
}

void demo_gen_next(demo_gen_t *g, demo_employee_t *e) {
  rng_t *r = &g->rng;
  memset(e, 0, sizeof(*e));
  const office_t *o = pick_office(g);
  e->office_code = o->code;
  unsigned female_pct = o->dept == DEPT_DISDIK ? 66 : o->dept == DEPT_DINKES ? 72 : 44;
  e->sex = chance(r, female_pct) ? 2 : 1;
  unsigned pppk_pct = o->dept == DEPT_DISDIK ? 34 : o->dept == DEPT_DINKES ? 26 : 12;
  unsigned x = rnd(r, 100);
  e->employment_type = x < pppk_pct ? 3 : x < pppk_pct + 4 ? 2 : 1;
  int e_idx = pick_education(r, o->dept, e->employment_type);
  e->education_level = edu[e_idx].level;

  ymd_t birth = {0, 0, 0};
  const char *jf_name = NULL;
  for (;;) {
    if (!make_career(g, e, o, e_idx, &birth)) continue;
    /* PPPK grades I..XVII sit on the same 1..17 scale (DOMAIN §2.4). */
    int ord = e->employment_type == 3 ? edu[e_idx].pppk_grade : demo_rank_ordinal(e->ranks[e->n_ranks - 1].code);
    e->bup = make_position(r, e, o->dept, e_idx, ord, &jf_name);
    /* No active employee past retirement: try another career (the young
     * ones always fit, so this ends quickly). */
    if (e->age < e->bup) break;
  }
  /* Position TMT: structural posts and JF levels follow the latest rank. */
  if (e->position_kind == 4) {
    snprintf(e->position_tmt, sizeof(e->position_tmt), "%s", e->tmt_cpns);
  } else {
    snprintf(e->position_tmt, sizeof(e->position_tmt), "%s", e->ranks[e->n_ranks - 1].tmt);
  }

  /* NIP / NI PPPK with a unique sequence per 15-digit prefix. */
  for (;;) {
    uint64_t prefix = (uint64_t)birth.y * 10000 + (uint64_t)birth.m * 100 + (uint64_t)birth.d;
    int ty = atoi(e->tmt_cpns), tm = atoi(e->tmt_cpns + 5);
    int contract = 0;
    if (e->employment_type == 3) {
      contract = ty <= 2021 && chance(r, 20) ? 2 : 1;
      prefix = prefix * 10000 + (uint64_t)ty;
      prefix = prefix * 100 + (uint64_t)(20 + contract);
    } else {
      prefix = prefix * 1000000 + (uint64_t)ty * 100 + (uint64_t)tm;
    }
    prefix = prefix * 10 + (uint64_t)e->sex;
    int seq = seq_take(&g->seq, prefix);
    if (seq > 0) {
      snprintf(e->nip, sizeof(e->nip), "%015llu%03d", (unsigned long long)prefix, seq);
      break;
    }
    /* 999 people share the prefix (never with realistic sizes): move the birthday. */
    birth.d = birth.d % dim(birth.y, birth.m) + 1;
    fmt_date(e->birth_date, birth);
    e->age = age_on(birth, g->today);
  }

  int group = (int)pick_weighted(r, region_groups[o->region], G_N);
  e->religion = pick_religion(r, group);
  make_name(r, group, e->sex == 1, e->religion, e->name, sizeof(e->name));
  add_titles(r, e, o->dept, e_idx, jf_name, birth.y);
  const char *place = cities[o->region].birth_places[rnd(r, 6)];
  if (chance(r, 12)) place = cities[REG_OTHER].birth_places[rnd(r, 6)];
  snprintf(e->birth_place, sizeof(e->birth_place), "%s", place);
  unsigned m = rnd(r, 100);
  e->marital_status = e->age < 25 ? (m < 75 ? "belum_kawin" : "kawin")
                      : m < 8     ? "belum_kawin"
                      : m < 90    ? "kawin"
                      : m < 95    ? "cerai_hidup"
                                  : "cerai_mati";
  if (e->age >= 50 && strcmp(e->marital_status, "belum_kawin") == 0) e->marital_status = "kawin";

  snprintf(e->institution, sizeof(e->institution), "%s", institution_for(r, o->region, e_idx, o->dept));
  e->graduation_year = birth.y + edu[e_idx].grad_age - 1 + rnd_range(r, 0, 1);
  int ty = atoi(e->tmt_cpns);
  if (e->graduation_year > ty) e->graduation_year = ty;

  g->n++;
  if (chance(r, 70)) {
    char first[24], last[24];
    ascii_lower_word(e->name, first, sizeof(first));
    const char *sp = strrchr(e->name, ' ');
    ascii_lower_word(sp ? sp + 1 : e->name, last, sizeof(last));
    snprintf(e->email, sizeof(e->email), "%s.%s%llu@demo.simpeg.example", first, last,
             (unsigned long long)(g->n % 1000));
  }
  if (chance(r, 80)) snprintf(e->phone, sizeof(e->phone), "08%d%09u", rnd_range(r, 11, 59), rnd(r, 1000000000));
  if (chance(r, 75)) {
    const char *city = o->region == REG_OTHER ? "Jakarta" : cities[o->region].city;
    const char *street = chance(r, 50) ? local_streets[o->region][rnd(r, 3)] : PICK(r, streets);
    snprintf(e->address, sizeof(e->address), "%s No. %d, %s", street, rnd_range(r, 1, 250), city);
  }
  if (chance(r, 60)) make_nik(g, e, o, birth);
}

/* ---- CSV (docs/IMPORT.md) ---- */

const char demo_csv_header[] =
    "nip,employment_type,name,front_title,back_title,birth_place,birth_date,sex,religion,marital_status,status,"
    "office_code,tmt_cpns,rank_code,rank_tmt,mkg_years,position_name,position_kind,functional_level,position_tmt,"
    "education_level,email,phone,address,nik\n";

typedef struct out {
  char *p, *end;
  bool full;
} out_t;

static void put(out_t *o, const char *s) {
  size_t n = strlen(s);
  if ((size_t)(o->end - o->p) < n + 1) {
    o->full = true;
    return;
  }
  memcpy(o->p, s, n);
  o->p += n;
}

/* A field, quoted when it holds a comma, quote or line break. */
static void field(out_t *o, const char *s, bool last) {
  if (strpbrk(s, ",\"\r\n")) {
    put(o, "\"");
    for (const char *q = s; *q; q++) {
      char c[3] = {*q, 0, 0};
      if (*q == '"') c[1] = '"';
      put(o, c);
    }
    put(o, "\"");
  } else {
    put(o, s);
  }
  put(o, last ? "\n" : ",");
}

size_t demo_csv_line(const demo_employee_t *e, char *buf, size_t cap) {
  static const char *const types[] = {"", "pns", "cpns", "pppk"};
  static const char *const kinds[] = {"", "jpt", "administrator", "pengawas", "pelaksana", "fungsional"};
  out_t o = {buf, buf + cap, false};
  const demo_rank_t *k = &e->ranks[e->n_ranks - 1];
  char mkg[12];
  snprintf(mkg, sizeof(mkg), "%d", k->mkg_years);
  field(&o, e->nip, false);
  field(&o, types[e->employment_type], false);
  field(&o, e->name, false);
  field(&o, e->front_title, false);
  field(&o, e->back_title, false);
  field(&o, e->birth_place, false);
  field(&o, e->birth_date, false);
  field(&o, e->sex == 1 ? "male" : "female", false);
  field(&o, e->religion, false);
  field(&o, e->marital_status, false);
  field(&o, "active", false);
  field(&o, e->office_code, false);
  field(&o, e->tmt_cpns, false);
  field(&o, k->code, false);
  field(&o, k->tmt, false);
  field(&o, mkg, false);
  field(&o, e->position_name, false);
  field(&o, kinds[e->position_kind], false);
  field(&o, e->functional_level, false);
  field(&o, e->position_tmt, false);
  field(&o, e->education_level, false);
  field(&o, e->email, false);
  field(&o, e->phone, false);
  field(&o, e->address, false);
  field(&o, e->nik, true);
  if (o.full) return 0;
  *o.p = 0;
  return (size_t)(o.p - buf);
}
