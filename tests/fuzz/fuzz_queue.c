/* tests/fuzz/fuzz_queue.c: libFuzzer harness for lib/queue.c, the bounded MPMC queue of the
 * worker pool, single-threaded (the threaded interleavings are tests/unit/test_queue.c's).
 *
 * Drives: queue_init with any capacity 0..256 (the cells in a malloc of exactly that many,
 * so ASan catches an index past the ring), then an operation stream of queue_push (bursts,
 * to fill it), queue_pop and queue_depth.
 *
 * Invariants asserted after every operation, against a model FIFO:
 * - init succeeds exactly for powers of two >= 2;
 * - push fails exactly when the model holds capacity values, pop exactly when it is empty;
 *   values come out in push order, none lost, duplicated or invented;
 * - a failed push or pop changes nothing: the queue, its cells and *val are untouched;
 * - queue_depth is the model's count. */
#include "tests/fuzz/fuzz.h"
#include "lib/queue.h"

#define MAX_OPS 4000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	u64 cap = fz_u8(&f) % 257, *model, head = 0, count = 0, serial = 0;
	struct queue_cell *cells = malloc((cap ? cap : 1) * sizeof(*cells)), *copy;
	struct queue q, qc;
	unsigned ops = 0;
	int rc;

	memset(&q, 0xa5, sizeof(q));
	rc = queue_init(&q, cells, cap);
	FZ_CHECK((rc == 0) == (cap >= 2 && (cap & (cap - 1)) == 0));
	if (rc) {
		FZ_CHECK(rc == -1);
		free(cells);
		return 0;
	}
	model = malloc(cap * sizeof(*model));
	copy = malloc(cap * sizeof(*copy));
	FZ_CHECK(queue_depth(&q) == 0);
	while (fz_more(&f) && ops++ < MAX_OPS) {
		u8 op = fz_u8(&f);

		if (op & 1) {
			unsigned n = 1 + (op >> 1) % 64;

			for (unsigned i = 0; i < n; i++) {
				u64 v = (op & 0x80) ? fz_u64(&f) : serial++;
				bool ok;

				qc = q;
				memcpy(copy, cells, cap * sizeof(*cells));
				ok = queue_push(&q, v);
				FZ_CHECK(ok == (count < cap));
				if (!ok) {
					FZ_CHECK(memcmp(&qc, &q, sizeof(q)) == 0);
					FZ_CHECK(memcmp(copy, cells, cap * sizeof(*cells)) == 0);
					break;
				}
				model[(head + count++) % cap] = v;
			}
		} else {
			unsigned n = 1 + (op >> 1) % 64;

			for (unsigned i = 0; i < n; i++) {
				u64 v = 0x5a5a5a5a5a5a5a5aULL;
				bool ok;

				qc = q;
				memcpy(copy, cells, cap * sizeof(*cells));
				ok = queue_pop(&q, &v);
				FZ_CHECK(ok == (count > 0));
				if (!ok) {
					FZ_CHECK(v == 0x5a5a5a5a5a5a5a5aULL);
					FZ_CHECK(memcmp(&qc, &q, sizeof(q)) == 0);
					FZ_CHECK(memcmp(copy, cells, cap * sizeof(*cells)) == 0);
					break;
				}
				FZ_CHECK(v == model[head]);
				head = (head + 1) % cap;
				count--;
			}
		}
		FZ_CHECK(queue_depth(&q) == count);
	}
	free(model);
	free(copy);
	free(cells);
	return 0;
}
