/* tests/unit/check.h: the host unit-test harness (one header, no dependencies).
 * Each test binary defines its tests with TEST(name) and lists them in main via RUN(name).
 * A failed CHECK prints file:line and the expression and marks the test failed; the test
 * goes on so one run shows every failure. DONE() prints "N passed, N failed" and returns
 * the exit status. Build with -fsanitize=address,undefined; the tests that start threads
 * are built again with -fsanitize=thread (Makefile, UNIT_TSAN). */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H
#include <stdio.h>
#include <string.h>

/* Under ThreadSanitizer the first race report ends the test with exit status 66, which
 * tests/unit/run.sh counts as a failure: a race is never a pass. Compiled into the binary
 * so that it holds however the test is started (TSAN_OPTIONS, if set, still overrides). */
#if defined(__SANITIZE_THREAD__)		/* gcc */
#define CHECK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)	/* clang */
#define CHECK_TSAN 1
#endif
#endif
#ifdef CHECK_TSAN
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "halt_on_error=1:exitcode=66:second_deadlock_stack=1";
}
#endif

static int check_passed, check_failed, check_cur_failed;
static const char *check_cur;

#define TEST(name) static void name(void)
#define CHECK(expr)                                                                    \
	do {                                                                           \
		if (!(expr)) {                                                         \
			printf("  FAIL %s: %s:%d: %s\n", check_cur, __FILE__, __LINE__, #expr); \
			check_cur_failed = 1;                                          \
		}                                                                      \
	} while (0)
#define CHECK_EQ(a, b)                                                                 \
	do {                                                                           \
		unsigned long long check_a = (unsigned long long)(a), check_b = (unsigned long long)(b); \
		if (check_a != check_b) {                                              \
			printf("  FAIL %s: %s:%d: %s == %s (0x%llx != 0x%llx)\n", check_cur, \
			       __FILE__, __LINE__, #a, #b, check_a, check_b);          \
			check_cur_failed = 1;                                          \
		}                                                                      \
	} while (0)
#define CHECK_STR(a, b)                                                                \
	do {                                                                           \
		const char *check_sa = (a), *check_sb = (b);                           \
		if (!check_sa || !check_sb || strcmp(check_sa, check_sb) != 0) {       \
			printf("  FAIL %s: %s:%d: %s == \"%s\" (got \"%s\")\n", check_cur, \
			       __FILE__, __LINE__, #a, check_sb ? check_sb : "(null)",  \
			       check_sa ? check_sa : "(null)");                        \
			check_cur_failed = 1;                                          \
		}                                                                      \
	} while (0)
#define RUN(name)                                                                      \
	do {                                                                           \
		check_cur = #name;                                                     \
		check_cur_failed = 0;                                                  \
		name();                                                                \
		if (check_cur_failed)                                                  \
			check_failed++;                                                \
		else                                                                   \
			check_passed++;                                                \
	} while (0)
#define DONE()                                                                         \
	(printf("%s: %d passed, %d failed\n", __FILE__, check_passed, check_failed),   \
	 check_failed ? 1 : 0)

#endif
