/* sp_time: clocks. Monotonic for durations, wall clock for timestamps. */
#ifndef SP_TIME_H
#define SP_TIME_H

#include <stdint.h>

uint64_t sp_mono_us(void); /* CLOCK_MONOTONIC in microseconds */
uint64_t sp_wall_us(void); /* CLOCK_REALTIME in microseconds since the epoch */

#endif
