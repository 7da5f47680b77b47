/* wake_floor.c -- the cost of the one thing every blocking durable append
 * must do: sleep, and be woken when its group is on disk.
 *
 *   wake_floor THREADS SECONDS
 *
 * THREADS threads sleep on one futex word; the main thread wakes them all
 * with one FUTEX_WAKE (as the log's leader wakes a group's followers), and
 * the last one back wakes the main thread for the next round.  No I/O, no
 * work: wakeups/s is an upper bound for durable appends/s with that many
 * blocking writers on this machine, and CPU us per wakeup is the part of an
 * append's CPU that no change to the log can remove.  Prints one
 * "RESULT {json}" line.  run.sh runs it beside the log's figures. */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 1024

static _Atomic unsigned round_word; /* the sleepers' futex: round number */
static _Atomic unsigned back;       /* sleepers back from this round */
static _Atomic unsigned main_word;  /* main's futex: 1 when all are back */
static atomic_bool stop;
static unsigned nthreads;

static void wake(_Atomic unsigned *w, int n)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static void wait_while(_Atomic unsigned *w, unsigned v)
{
    while (atomic_load(w) == v)
        syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void *sleeper(void *arg)
{
    (void)arg;
    unsigned seen = 0;
    for (;;) {
        wait_while(&round_word, seen);
        seen = atomic_load(&round_word);
        if (atomic_load(&stop))
            return NULL;
        if (atomic_fetch_add(&back, 1) + 1 == nthreads) {
            atomic_store(&main_word, 1);
            wake(&main_word, 1);
        }
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec / 1e6 +
           (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[1]) < 1 || atoi(argv[1]) > MAX_THREADS || atof(argv[2]) <= 0) {
        fprintf(stderr, "usage: wake_floor THREADS(1..%d) SECONDS\n", MAX_THREADS);
        return 2;
    }
    nthreads = (unsigned)atoi(argv[1]);
    double seconds = atof(argv[2]);
    pthread_t *t = calloc(nthreads, sizeof *t);
    if (!t)
        return 1;
    for (unsigned i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, sleeper, NULL) != 0)
            return 1;
    nanosleep(&(struct timespec){0, 100000000}, NULL); /* let them all sleep */
    double c0 = cpu_seconds(), t0 = now(), el;
    unsigned long rounds = 0;
    while ((el = now() - t0) < seconds) {
        atomic_store(&back, 0);
        atomic_store(&main_word, 0);
        atomic_fetch_add(&round_word, 1);
        wake(&round_word, INT_MAX);
        wait_while(&main_word, 0);
        rounds++;
    }
    el = now() - t0;
    double cpu = cpu_seconds() - c0;
    double wakes = (double)rounds * nthreads;
    printf("RESULT {\"threads\":%u,\"seconds\":%.3f,\"wakeups_per_s\":%.0f,\"cpu_us_per_wakeup\":%.2f,"
           "\"cpus_busy\":%.2f}\n",
           nthreads, el, wakes / el, cpu * 1e6 / wakes, cpu / el);
    atomic_store(&stop, true);
    atomic_fetch_add(&round_word, 1);
    wake(&round_word, INT_MAX);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    free(t);
    return 0;
}
