/* 5-publication.c - lab 02, Part 5: publication. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "races.h"

enum { READERS = 3 };

struct pub_round {
    struct publication *pub;
    struct gate *gate;
    long first;          /* word i is published as first + i */
};

struct pub_reader {
    struct pub_round *round;
    int bad_index;       /* first wrong word seen, or -1 */
    long bad_value;
};

/* The writer owns the buffer until it publishes it, so it scribbles on it
 * first.  Those writes are the test's own, and ThreadSanitizer always sees
 * them, even where publish's copy is an inlined memcpy it cannot see. */
static void *write_and_publish(void *arg)
{
    struct pub_round *r = arg;
    long words[PUBLISHED_WORDS];
    gate_wait(r->gate);
    for (int i = 0; i < PUBLISHED_WORDS; i++) {
        words[i] = r->first + i;
        r->pub->words[i] = -1;
    }
    publish(r->pub, words);
    return NULL;
}

static void *poll_and_read(void *arg)
{
    struct pub_reader *rd = arg;
    long copy[PUBLISHED_WORDS];
    gate_wait(rd->round->gate);
    while (!try_read_published(rd->round->pub, copy))
        sched_yield();
    /* Once published, the buffer may be read directly too: these reads are
     * ordered after the writer's only if the flag was released and acquired. */
    rd->bad_index = -1;
    for (int i = 0; i < PUBLISHED_WORDS && rd->bad_index < 0; i++) {
        long direct = rd->round->pub->words[i];
        if (copy[i] != rd->round->first + i || direct != copy[i]) {
            rd->bad_index = i;
            rd->bad_value = copy[i] != rd->round->first + i ? copy[i] : direct;
        }
    }
    return NULL;
}

TEST(readers_never_see_a_half_filled_buffer, 10, 20, "publish, try_read_published")
{
    static struct publication pubs[PUBLISH_ROUNDS];
    for (int round = 0; round < PUBLISH_ROUNDS; round++) {
        pubs[round] = (struct publication)PUBLICATION_INIT;
        struct gate gate = GATE_INIT;
        struct pub_round r = {&pubs[round], &gate, 1000L * (round + 1)};
        struct pub_reader readers[READERS];
        pthread_t ids[READERS + 1];
        for (int i = 0; i < READERS; i++) {
            readers[i] = (struct pub_reader){&r, -1, 0};
            start_thread(&ids[i], poll_and_read, &readers[i]);
        }
        start_thread(&ids[READERS], write_and_publish, &r);
        gate_open(&gate);
        for (int i = 0; i <= READERS; i++)
            pthread_join(ids[i], NULL);
        for (int i = 0; i < READERS; i++)
            ck_assert_msg(readers[i].bad_index < 0, "round %d: a reader saw word %d = "
                          "%ld, expected %ld: it read the buffer before it was "
                          "completely filled. publish must fill every word first and "
                          "then set the flag with a release store; the reader must "
                          "load the flag with acquire before reading", round + 1,
                          readers[i].bad_index, readers[i].bad_value,
                          r.first + readers[i].bad_index);
    }
}

TEST(nothing_readable_before_publish, 4, 5, "try_read_published, publish")
{
    static struct publication pub = PUBLICATION_INIT;
    static long copy[PUBLISHED_WORDS], words[PUBLISHED_WORDS];
    for (int i = 0; i < PUBLISHED_WORDS; i++) {
        copy[i] = -7;
        words[i] = 3 * i + 1;
    }
    ck_assert_msg(!try_read_published(&pub, copy), "try_read_published returned true "
                  "for a buffer nobody has published");
    for (int i = 0; i < PUBLISHED_WORDS; i++)
        ck_assert_msg(copy[i] == -7, "try_read_published returned false but changed "
                      "word %d of the copy: read the buffer only after the flag says "
                      "it is published", i);
    publish(&pub, words);
    for (int again = 0; again < 2; again++) {
        ck_assert_msg(try_read_published(&pub, copy), "try_read_published returned "
                      "false after publish");
        for (int i = 0; i < PUBLISHED_WORDS; i++)
            ck_assert_msg(copy[i] == words[i], "after publish, word %d read back as "
                          "%ld, expected %ld", i, copy[i], words[i]);
    }
}
