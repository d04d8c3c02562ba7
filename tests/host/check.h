/* Minimal host unit-test harness: one PASS:/FAIL: line per test function.
 * Build with sanitizers; a crash or a sanitizer report makes the binary exit
 * non-zero, which the test rules record as a failure too. */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int check_failed_in_test;
static int check_tests_failed;

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			if (!check_failed_in_test)                          \
				printf("  %s:%d: check failed: %s\n",       \
				       __FILE__, __LINE__, #cond);          \
			check_failed_in_test++;                             \
		}                                                           \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                  \
	do {                                                                \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b); \
		if (check_a_ != check_b_) {                                 \
			if (!check_failed_in_test)                          \
				printf("  %s:%d: %s == 0x%" PRIx64          \
				       ", expected %s == 0x%" PRIx64 "\n",  \
				       __FILE__, __LINE__, #a, check_a_,    \
				       #b, check_b_);                       \
			check_failed_in_test++;                             \
		}                                                           \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                  \
	do {                                                                \
		const char *check_a_ = (a), *check_b_ = (b);                \
		if (strcmp(check_a_, check_b_) != 0) {                      \
			if (!check_failed_in_test)                          \
				printf("  %s:%d: \"%s\" != \"%s\"\n",       \
				       __FILE__, __LINE__, check_a_,        \
				       check_b_);                           \
			check_failed_in_test++;                             \
		}                                                           \
	} while (0)

/* Runs one test function and prints its verdict as "PASS: suite/name". */
#define RUN_TEST(suite, fn)                                                 \
	do {                                                                \
		check_failed_in_test = 0;                                   \
		fn();                                                       \
		printf("%s: %s/%s\n", check_failed_in_test ? "FAIL" : "PASS", \
		       suite, #fn);                                         \
		if (check_failed_in_test)                                   \
			check_tests_failed++;                               \
		fflush(stdout);                                             \
	} while (0)

#define CHECK_EXIT_STATUS() (check_tests_failed ? 1 : 0)

/* xorshift64*: random numbers that are the same on every run and host, so
 * a failure can be replayed. A test file may set check_rng_state first. */
static uint64_t check_rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t check_rand(void)
{
	check_rng_state ^= check_rng_state >> 12;
	check_rng_state ^= check_rng_state << 25;
	check_rng_state ^= check_rng_state >> 27;
	return check_rng_state * 0x2545f4914f6cdd1dull;
}

#endif
