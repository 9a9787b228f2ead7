/* lib/slots.c: see lib/slots.h. */
#include "lib/slots.h"

void slots_init(struct slots *s, u64 *bits, u64 n)
{
	s->bits = bits;
	s->n = n;
	s->used = 0;
	s->hint = 0;
}

bool slots_used(const struct slots *s, u64 slot)
{
	return slot < s->n && (s->bits[slot / 64] >> (slot % 64) & 1);
}

u64 slots_alloc(struct slots *s)
{
	u64 words = (s->n + 63) / 64;

	if (s->used == s->n)
		return SLOTS_NONE;
	/* One word at a time from the hint's word, wrapping once: a full word is skipped in
	 * one step, so the scan costs n / 64 steps at most. */
	for (u64 k = 0; k <= words; k++) {
		u64 w = (s->hint / 64 + k) % words;
		u64 free = ~s->bits[w];
		if (k == 0)
			free &= ~0ULL << (s->hint % 64);	/* from the hint on; below it last */
		if (w == words - 1 && s->n % 64)
			free &= (1ULL << (s->n % 64)) - 1;	/* bits past n are not slots */
		if (!free)
			continue;
		u64 slot = w * 64 + (u64)__builtin_ctzll(free);
		s->bits[w] |= 1ULL << (slot % 64);
		s->used++;
		s->hint = slot + 1 < s->n ? slot + 1 : 0;
		return slot;
	}
	return SLOTS_NONE;	/* used said otherwise: not reached */
}

int slots_free(struct slots *s, u64 slot)
{
	if (!slots_used(s, slot))
		return -1;
	s->bits[slot / 64] &= ~(1ULL << (slot % 64));
	s->used--;
	return 0;
}
