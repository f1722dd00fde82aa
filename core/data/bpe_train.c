#include "bpe_train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe_internal.h"
#include "pairmap.h"
#include "pretok.h"
#include "strmap.h"
#include "util.h"

struct BpeTrainer {
    Pretok *pretok;
    StrMap words; /* piece bytes -> index in count */
    uint64_t *count;
    size_t count_cap;
    BpeTrainStats stats;
};

BpeTrainer *bpe_trainer_new(char *err, size_t errcap) {
    BpeTrainer *t = calloc(1, sizeof *t);
    if (!t || strmap_init(&t->words, 1u << 12)) {
        snprintf(err, errcap, "out of memory");
        free(t);
        return NULL;
    }
    t->pretok = pretok_new(err, errcap);
    if (!t->pretok) {
        bpe_trainer_free(t);
        return NULL;
    }
    return t;
}

void bpe_trainer_free(BpeTrainer *t) {
    if (!t) return;
    pretok_free(t->pretok);
    strmap_free(&t->words);
    free(t->count);
    free(t);
}

int bpe_trainer_add(BpeTrainer *t, const char *text, size_t n, char *err, size_t errcap) {
    size_t bad;
    if (utf8_validate(text, n, &bad)) {
        snprintf(err, errcap, "invalid UTF-8 at byte %zu", bad);
        return -1;
    }
    size_t pos = 0, len;
    int rc;
    while ((rc = pretok_next(t->pretok, text, n, &pos, &len, err, errcap)) > 0) {
        int added;
        uint32_t *word = strmap_insert(&t->words, text + pos - len, len, &added);
        if (word && added && t->words.n > t->count_cap) {
            size_t cap = t->count_cap ? 2 * t->count_cap : 1u << 12;
            uint64_t *grown = realloc(t->count, cap * sizeof *grown);
            if (grown) t->count = grown, t->count_cap = cap;
        }
        if (!word || t->words.n > t->count_cap) {
            snprintf(err, errcap, "out of memory");
            return -1;
        }
        if (added) {
            *word = (uint32_t)(t->words.n - 1);
            t->count[*word] = 0;
        }
        t->count[*word]++;
        t->stats.pieces++;
    }
    if (rc < 0) return -1;
    t->stats.texts++;
    t->stats.bytes += n;
    return 0;
}

/* ---- learning ------------------------------------------------------------------------------ */

/* A pair of adjacent tokens: how often it occurs, and the words it occurs in (a list of
 * nodes; a word may be listed although a merge has since removed the pair from it). */
typedef struct {
    uint64_t key; /* pairmap_key(left, right) */
    int64_t count;
    uint32_t head;    /* first node, NONE when none */
    uint32_t last;    /* the word listed last (to list a word once in a row) */
    uint32_t touched; /* the step that last raised count, plus one */
    token_t merged;   /* the token it was merged into, or -1 */
} Pair;

typedef struct {
    uint32_t word, next;
} Node;

typedef struct {
    int64_t count;
    uint64_t key;
} HeapEntry;

#define NONE UINT32_MAX

typedef struct {
    /* words: symbols[start[w] .. start[w] + len[w]), occurring freq[w] times */
    token_t *symbols;
    size_t *start;
    uint32_t *len, *stamp;
    const uint64_t *freq;
    size_t n_words;

    PairMap index; /* pairmap_key -> index in pairs */
    Pair *pairs;
    size_t n_pairs, pairs_cap;
    Node *nodes;
    size_t n_nodes, nodes_cap;
    HeapEntry *heap;
    size_t n_heap, heap_cap;
    uint32_t *touched; /* pairs whose count rose in this step */
    size_t n_touched, touched_cap;

    Bpe *vocab; /* tokens learned so far; merges are added at the end */
    token_t (*merges)[2];
    size_t n_merges, merges_cap;
    int failed; /* memory ran out */
} Learner;

/* The array p of *cap items of size bytes, twice as large (*cap updated); NULL, with p left
 * as it was, when memory runs out. */
static void *enlarge(void *p, size_t *cap, size_t size) {
    size_t grown_cap = *cap ? 2 * *cap : 1024;
    void *grown = realloc(p, grown_cap * size);
    if (grown) *cap = grown_cap;
    return grown;
}

/* Higher count first; among equal counts, the lower key (left id, then right id). */
static int heap_before(const HeapEntry *a, const HeapEntry *b) {
    return a->count > b->count || (a->count == b->count && a->key < b->key);
}

static void heap_push(Learner *l, int64_t count, uint64_t key) {
    if (l->n_heap == l->heap_cap) {
        HeapEntry *grown = enlarge(l->heap, &l->heap_cap, sizeof *grown);
        if (!grown) {
            l->failed = 1;
            return;
        }
        l->heap = grown;
    }
    size_t i = l->n_heap++;
    HeapEntry e = {count, key};
    while (i > 0 && heap_before(&e, &l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = e;
}

static HeapEntry heap_pop(Learner *l) {
    HeapEntry top = l->heap[0], last = l->heap[--l->n_heap];
    size_t i = 0, n = l->n_heap;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && heap_before(&l->heap[child + 1], &l->heap[child])) child++;
        if (!heap_before(&l->heap[child], &last)) break;
        l->heap[i] = l->heap[child];
        i = child;
    }
    if (n > 0) l->heap[i] = last;
    return top;
}

/* The pair's index, added with no occurrences when new; NONE when memory runs out. */
static uint32_t pair_of(Learner *l, token_t left, token_t right) {
    int added;
    uint64_t *slot = pairmap_insert(&l->index, pairmap_key(left, right), &added);
    if (!slot) return NONE;
    if (!added) return (uint32_t)*slot;
    if (l->n_pairs >= NONE) return NONE;
    if (l->n_pairs == l->pairs_cap) {
        Pair *grown = enlarge(l->pairs, &l->pairs_cap, sizeof *grown);
        if (!grown) return NONE;
        l->pairs = grown;
    }
    l->pairs[l->n_pairs] = (Pair){pairmap_key(left, right), 0, NONE, NONE, 0, -1};
    *slot = l->n_pairs;
    return (uint32_t)l->n_pairs++;
}

/* Adds delta occurrences of (left, right) in word w, listing w for the pair when it rises. */
static void count_pair(Learner *l, token_t left, token_t right, uint32_t w, int64_t delta,
                       uint32_t step) {
    uint32_t p = pair_of(l, left, right);
    if (p == NONE) {
        l->failed = 1;
        return;
    }
    Pair *pair = &l->pairs[p];
    pair->count += delta;
    if (delta <= 0) return;
    if (pair->last != w) {
        if (l->n_nodes >= NONE) {
            l->failed = 1;
            return;
        }
        if (l->n_nodes == l->nodes_cap) {
            Node *grown = enlarge(l->nodes, &l->nodes_cap, sizeof *grown);
            if (!grown) {
                l->failed = 1;
                return;
            }
            l->nodes = grown;
        }
        l->nodes[l->n_nodes] = (Node){w, pair->head};
        pair->head = (uint32_t)l->n_nodes++;
        pair->last = w;
    }
    if (pair->touched != step + 1) {
        if (l->n_touched == l->touched_cap) {
            uint32_t *grown = enlarge(l->touched, &l->touched_cap, sizeof *grown);
            if (!grown) {
                l->failed = 1;
                return;
            }
            l->touched = grown;
        }
        pair->touched = step + 1;
        l->touched[l->n_touched++] = p;
    }
}

/* Replaces every occurrence of (left, right) in word w by joined, left to right, and moves
 * the counts of the pairs around each occurrence: the pairs it ends, and the pairs of the
 * new token with its neighbours (the left neighbour may itself be new). */
static void merge_word(Learner *l, uint32_t w, token_t left, token_t right, token_t joined,
                       uint32_t step) {
    token_t *s = l->symbols + l->start[w];
    size_t n = l->len[w], out = 0;
    int64_t f = (int64_t)l->freq[w];
    for (size_t i = 0; i < n;) {
        if (i + 1 < n && s[i] == left && s[i + 1] == right) {
            count_pair(l, left, right, w, -f, step);
            if (out > 0) {
                count_pair(l, s[out - 1], left, w, -f, step);
                count_pair(l, s[out - 1], joined, w, f, step);
            }
            if (i + 2 < n) {
                count_pair(l, right, s[i + 2], w, -f, step);
                count_pair(l, joined, s[i + 2], w, f, step);
            }
            s[out++] = joined;
            i += 2;
        } else {
            s[out++] = s[i++];
        }
    }
    l->len[w] = (uint32_t)out;
}

/* The token of left's bytes and right's, added to the vocabulary as the next id; -1 when
 * memory runs out. Should the bytes already be a token (one string reached by two different
 * merges, which neither GPT-2's merges nor any corpus tried here has), that token serves, so
 * that every string keeps one id. */
static token_t join(Learner *l, token_t left, token_t right, size_t *n_tokens) {
    size_t ll, rl;
    const unsigned char *a = bpe_token_bytes(l->vocab, left, &ll);
    const unsigned char *b = bpe_token_bytes(l->vocab, right, &rl);
    unsigned char *joined = malloc(ll + rl);
    if (!joined) return -1;
    memcpy(joined, a, ll);
    memcpy(joined + ll, b, rl);
    token_t id = bpe_find_token(l->vocab, joined, ll + rl), other;
    if (id < 0) {
        id = (token_t)*n_tokens;
        if (bpe_set_token(l->vocab, id, joined, ll + rl, &other)) id = -1;
        else (*n_tokens)++;
    }
    free(joined);
    return id;
}

/* Copies the corpus's words into the learner as byte symbols and counts their pairs. */
static int start(Learner *l, const BpeTrainer *t) {
    const StrMap *words = &t->words;
    l->n_words = words->n;
    l->freq = t->count;
    l->symbols = malloc((words->keys_len ? words->keys_len : 1) * sizeof *l->symbols);
    l->start = malloc((l->n_words ? l->n_words : 1) * sizeof *l->start);
    l->len = malloc((l->n_words ? l->n_words : 1) * sizeof *l->len);
    l->stamp = calloc(l->n_words ? l->n_words : 1, sizeof *l->stamp);
    if (!l->symbols || !l->start || !l->len || !l->stamp || pairmap_init(&l->index, 1u << 14))
        return -1;
    for (size_t i = 0; i < words->cap; i++) {
        const StrSlot *slot = &words->slots[i];
        if (slot->key == STRMAP_FREE) continue;
        l->start[slot->value] = slot->key;
        l->len[slot->value] = slot->len;
        for (uint32_t k = 0; k < slot->len; k++)
            l->symbols[slot->key + k] = words->keys[slot->key + k];
    }
    /* Words in order of first occurrence, so that the lists (and so the work) do not depend
     * on the hash table's layout. */
    for (uint32_t w = 0; w < l->n_words; w++) {
        const token_t *s = l->symbols + l->start[w];
        for (uint32_t k = 0; k + 1 < l->len[w]; k++)
            count_pair(l, s[k], s[k + 1], w, (int64_t)l->freq[w], 0);
    }
    for (size_t p = 0; p < l->n_pairs; p++) heap_push(l, l->pairs[p].count, l->pairs[p].key);
    l->n_touched = 0;
    return l->failed ? -1 : 0;
}

static void learner_free(Learner *l) {
    free(l->symbols);
    free(l->start);
    free(l->len);
    free(l->stamp);
    pairmap_free(&l->index);
    free(l->pairs);
    free(l->nodes);
    free(l->heap);
    free(l->touched);
    free(l->merges);
    bpe_free(l->vocab);
}

/* One merge: the most frequent pair, or 0 when learning is over (no pair occurs min_count
 * times), or -1 when memory ran out. */
static int merge_step(Learner *l, uint64_t min_count, uint32_t step, size_t *n_tokens,
                      BpeTrainStats *stats) {
    for (;;) {
        if (l->n_heap == 0) return 0;
        HeapEntry e = heap_pop(l);
        uint32_t p = (uint32_t)*pairmap_find(&l->index, e.key);
        int64_t now = l->pairs[p].count;
        /* An entry is stale when the count has changed since it was pushed: one that fell is
         * pushed again with its count, one that rose has a newer entry already. */
        if (e.count != now) {
            if (e.count > now && now > 0) heap_push(l, now, e.key);
            if (l->failed) return -1;
            continue;
        }
        if ((uint64_t)now < min_count) return 0;
        token_t left = (token_t)(e.key >> 32), right = (token_t)(uint32_t)e.key;
        token_t joined = l->pairs[p].merged;
        /* A pair merged before could occur again only after a merge reused a token (see join):
         * it is merged again, and the table keeps its first rank. */
        if (joined < 0) {
            if (l->n_merges == l->merges_cap) {
                token_t(*grown)[2] = enlarge(l->merges, &l->merges_cap, sizeof *grown);
                if (!grown) return -1;
                l->merges = grown;
            }
            joined = join(l, left, right, n_tokens);
            if (joined < 0) return -1;
            l->merges[l->n_merges][0] = left;
            l->merges[l->n_merges++][1] = right;
            l->pairs[p].merged = joined;
        }
        l->n_touched = 0;
        for (uint32_t node = l->pairs[p].head; node != NONE; node = l->nodes[node].next) {
            uint32_t w = l->nodes[node].word;
            if (l->stamp[w] == step) continue;
            l->stamp[w] = step;
            merge_word(l, w, left, right, joined, step);
        }
        for (size_t i = 0; i < l->n_touched; i++) {
            const Pair *pair = &l->pairs[l->touched[i]];
            if (pair->count > 0) heap_push(l, pair->count, pair->key);
        }
        stats->last_count = (uint64_t)now;
        return l->failed ? -1 : 1;
    }
}

Bpe *bpe_trainer_learn(const BpeTrainer *t, size_t vocab_size, uint64_t min_count,
                       BpeTrainStats *stats, char *err, size_t errcap) {
    if (vocab_size < 256 || vocab_size > (size_t)INT32_MAX - BPE_SPECIAL_COUNT) {
        snprintf(err, errcap, "the vocabulary size must be from 256 to %d",
                 INT32_MAX - BPE_SPECIAL_COUNT);
        return NULL;
    }
    if (min_count < 1) {
        snprintf(err, errcap, "the least count of a merged pair must be 1 or more");
        return NULL;
    }
    BpeTrainStats local = t->stats;
    local.words = t->words.n;
    Learner l = {0};
    /* Each merge takes at least one symbol out of the corpus's distinct pieces, so these hold
     * every token that can be learned, whatever size was asked for. */
    size_t room = 256 + t->words.keys_len;
    l.vocab = bpe_alloc(vocab_size < room ? vocab_size : room);
    int ok = l.vocab != NULL;
    for (int byte = 0; ok && byte < 256; byte++) {
        unsigned char c = (unsigned char)byte;
        token_t other;
        ok = bpe_set_token(l.vocab, byte, &c, 1, &other) == 0;
    }
    size_t n_tokens = 256;
    int rc = ok && start(&l, t) == 0 ? 1 : -1;
    for (uint32_t step = 1; rc == 1 && n_tokens < vocab_size; step++)
        rc = merge_step(&l, min_count, step, &n_tokens, &local);
    Bpe *b = NULL;
    if (rc >= 0) {
        b = l.vocab;
        l.vocab = NULL;
        bpe_shrink(b, n_tokens);
        for (size_t m = 0; m < l.n_merges && b; m++) {
            if (bpe_add_merge(b, l.merges[m][0], l.merges[m][1])) {
                bpe_free(b);
                b = NULL;
            }
        }
        if (b && bpe_finish(b, -1, err, errcap)) {
            bpe_free(b);
            b = NULL;
        } else if (!b) {
            snprintf(err, errcap, "out of memory");
        }
    } else {
        snprintf(err, errcap, "out of memory");
    }
    learner_free(&l);
    if (b && stats) {
        local.merges = bpe_merge_count(b);
        local.tokens = n_tokens;
        *stats = local;
    }
    return b;
}
