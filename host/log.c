/* host/log.c: log lines, the console lock and the log ring (see host/log.h). */
#include "host/log.h"
#include "drivers/serial.h"
#include "host/spinlock.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define LINE_MAX	512
#define RING_SIZE	(64 * 1024)

unsigned log_level = LOG_INFO;
const char *const log_level_names[] = { "error", "warn", "info", "debug", "trace", 0 };

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile bool panic_mode;
static char ring[RING_SIZE];
static u64 ring_head; /* total bytes ever written; the ring holds the last RING_SIZE */

static void ring_put(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_head + i) % RING_SIZE] = s[i];
	ring_head += n;
}

static u64 console_lock_take(void)
{
	u64 flags;

	if (!panic_mode)
		return spin_lock_irqsave(&console_lock);
	/* In a panic the other CPUs are stopped; one of them may hold the lock forever. */
	flags = 0;
	for (int i = 0; i < 100000; i++)
		if (spin_trylock(&console_lock))
			return flags | 1;
	return flags;
}

static void console_lock_give(u64 flags)
{
	if (!panic_mode)
		spin_unlock_irqrestore(&console_lock, flags);
	else if (flags & 1)
		spin_unlock(&console_lock);
}

static void emit(unsigned level, const char *line, size_t n)
{
	u64 flags = console_lock_take();
	if (level <= log_level)
		serial_write(line, n);
	ring_put(line, n);
	console_lock_give(flags);
}

void log_vprintf(unsigned level, const char *f, va_list ap)
{
	char line[LINE_MAX];
	unsigned keep = log_level > LOG_DEBUG ? log_level : LOG_DEBUG;
	int n;

	if (level > keep)
		return;
	n = fmt(line, sizeof(line), "[%10llu us] cpu%-2u %-5s ", (unsigned long long)time_us(),
		cpu_index(), log_level_names[level]);
	n += vfmt(line + n, sizeof(line) - n - 1, f, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2; /* cut, but keep the newline */
	line[n++] = '\n';
	emit(level, line, n);
}

void log_printf(unsigned level, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	log_vprintf(level, f, ap);
	va_end(ap);
}

void log_plain(const char *f, ...)
{
	char line[LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(line, sizeof(line) - 1, f, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	emit(LOG_ERROR, line, n);
}

void console_write(const char *s, size_t n)
{
	u64 flags = console_lock_take();
	serial_write(s, n);
	console_lock_give(flags);
}

void log_ring_print(void)
{
	u64 flags = console_lock_take();
	log_ring_dump(serial_write);
	console_lock_give(flags);
}

void log_panic_mode(void)
{
	panic_mode = true;
}

size_t log_ring_used(void)
{
	return ring_head < RING_SIZE ? ring_head : RING_SIZE;
}

void log_ring_dump(void (*out)(const char *s, size_t n))
{
	u64 start = ring_head - log_ring_used();
	for (u64 i = start; i < ring_head; i++) {
		char c = ring[i % RING_SIZE];
		out(&c, 1);
	}
}
