/* Replays every file of the given corpus directories through the fuzz
 * target once, so that inputs that once crashed keep being tested in every
 * build (with the sanitizers in deploy/test.sh). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int files = 0;
  for (int i = 1; i < argc; i++) {
    DIR *dir = opendir(argv[i]);
    if (!dir) {
      fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      return 1;
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
      FILE *f = fopen(path, "rb");
      if (!f) continue;
      uint8_t *buf = malloc(1 << 20);
      size_t n = fread(buf, 1, 1 << 20, f);
      fclose(f);
      LLVMFuzzerTestOneInput(buf, n);
      free(buf);
      files++;
    }
    closedir(dir);
  }
  printf("replayed %d inputs\n", files);
  return files > 0 ? 0 : 1;
}
