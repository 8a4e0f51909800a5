/*
 * MPI for the engine (see dgmpi.h): compiled only when the build finds
 * mpicc, with its flags.
 *
 * Large byte exchanges go in rounds of at most `chunk` bytes per pair of
 * ranks, the number of rounds agreed by an MPI_Allreduce, so counts and
 * displacements stay within MPI's int whatever the data size.
 *
 * Waiting without spinning: Open MPI's blocking calls poll in a loop, so a
 * rank that reaches a collective first burns a core until the last one
 * arrives — on a machine whose cores the ranks share (2 ranks on 2 cores,
 * or ranks beside the output writer's threads) that core is taken from
 * the rank still working.  Each step therefore starts with a nonblocking
 * collective (the step's own small one: the error agreement, the counts of
 * an exchange, or a barrier) completed by quiet_wait, which tests a few
 * times and then sleeps between tests, backing off to 1 ms.  When it
 * completes every rank is in the step, and the bulk transfer that follows
 * runs blocking, both sides busy with it.  The exit code's broadcast and
 * MPI_Finalize wait the same way (rank 0 may write outputs for seconds
 * while the others have finished).
 *
 * One point-to-point message can wait: rank 0 posts its receive at once
 * and completes it only when it needs the bytes (dg_mpi_recv_wait), or in
 * dg_mpi_end when it never did, so the sender never waits for rank 0 to
 * get there.
 */
#include "dgmpi.h"

#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_rank = 0, g_size = 1, g_local = 1;
static bool g_started = false;
static uint64_t g_sent, g_recv;
static MPI_Request g_late = MPI_REQUEST_NULL; /* dg_mpi_recv_post's receive */
enum { TAG_LATE = 7 };                        /* apart from the exchanges' tag 0 */

/* Complete rq, sleeping between tests once a few quick ones failed. */
static void quiet_wait(MPI_Request *rq)
{
    int done = 0;
    for (int i = 0; i < 64 && !done; i++)
        MPI_Test(rq, &done, MPI_STATUS_IGNORE);
    long ns = 20000;
    while (!done) {
        struct timespec ts = {0, ns};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        ns = ns < 1000000 ? ns * 2 : 1000000;
        MPI_Test(rq, &done, MPI_STATUS_IGNORE);
    }
}

/* Every rank has reached this point (a barrier that does not spin). */
static void quiet_barrier(void)
{
    MPI_Request rq;
    MPI_Ibarrier(MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
}

bool dg_mpi_built(void)
{
    return true;
}

void dg_mpi_start(int *argc, char ***argv)
{
    /* launched by mpirun (Open MPI, or a PMI/PMIx launcher): start MPI */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return;
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    /* the ranks sharing this machine (every rank calls this: it is collective) */
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &g_local);
        MPI_Comm_free(&node);
    }
    g_started = true;
}

int dg_mpi_local_size(void)
{
    return g_local;
}

int dg_mpi_rank(void)
{
    return g_rank;
}

int dg_mpi_size(void)
{
    return g_size;
}

bool dg_mpi_active(void)
{
    return g_started && g_size > 1;
}

int dg_mpi_end(int code)
{
    if (!g_started)
        return code;
    dg_mpi_recv_wait(); /* a message rank 0 did not need (it failed before) */
    if (g_size > 1) {
        MPI_Request rq;
        MPI_Ibcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD, &rq);
        quiet_wait(&rq);
        quiet_barrier(); /* MPI_Finalize's own wait would spin */
    }
    MPI_Finalize();
    g_started = false;
    return code;
}

DgStatus dg_mpi_agree(DgStatus st, DgError *err)
{
    if (!dg_mpi_active())
        return st;
    int mine = st != DG_OK ? g_rank : g_size, first;
    MPI_Request rq;
    MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
    if (first == g_size)
        return DG_OK;
    DgError e = {0};
    if (g_rank == first) {
        if (err)
            e = *err;
        e.status = st;
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    if (err)
        *err = e;
    return e.status;
}

void dg_mpi_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all)
{
    if (!dg_mpi_active()) {
        memcpy(all, mine, n * sizeof *all);
        return;
    }
    MPI_Request rq;
    MPI_Iallgather(mine, (int)n, MPI_UINT64_T, all, (int)n, MPI_UINT64_T, MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
}

/* Bytes per pair of ranks and round (tests make it tiny to exercise the rounds). */
static size_t chunk_bytes(void)
{
    const char *t = getenv("DANGLIANG_TEST_MPI_CHUNK");
    if (t && atol(t) > 0)
        return (size_t)atol(t);
    return ((size_t)1 << 30) / (size_t)g_size;
}

static size_t rounds_for(size_t n, size_t chunk)
{
    unsigned long long r = (n + chunk - 1) / chunk, all;
    MPI_Allreduce(&r, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return (size_t)all;
}

/* Gather to `root`, or to every rank when root < 0. */
static void gather_any(int root, const void *mine, size_t n, char **all, size_t *counts)
{
    uint64_t n64 = n, *c64 = dg_xcalloc((size_t)g_size, sizeof *c64);
    MPI_Request rq;
    MPI_Iallgather(&n64, 1, MPI_UINT64_T, c64, 1, MPI_UINT64_T, MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
    size_t total = 0;
    size_t *at = dg_xcalloc((size_t)g_size, sizeof *at);
    for (int r = 0; r < g_size; r++) {
        counts[r] = (size_t)c64[r];
        at[r] = total;
        total += counts[r];
    }
    bool here = root < 0 || root == g_rank;
    *all = here && total ? dg_xmalloc(total) : NULL;
    size_t chunk = chunk_bytes(), rounds = rounds_for(n, chunk);
    int *rc = dg_xcalloc((size_t)g_size, sizeof *rc), *rd = dg_xcalloc((size_t)g_size, sizeof *rd);
    char *tmp = here ? dg_xmalloc(chunk * (size_t)g_size + 1) : NULL;
    for (size_t k = 0; k < rounds; k++) {
        size_t off = k * chunk, mine_n = off < n ? (n - off < chunk ? n - off : chunk) : 0;
        int d = 0;
        for (int r = 0; r < g_size; r++) {
            size_t c = off < counts[r] ? (counts[r] - off < chunk ? counts[r] - off : chunk) : 0;
            rc[r] = (int)c;
            rd[r] = d;
            d += (int)c;
        }
        const char *src = mine_n ? (const char *)mine + off : (const char *)"";
        if (root < 0)
            MPI_Allgatherv(src, (int)mine_n, MPI_BYTE, tmp, rc, rd, MPI_BYTE, MPI_COMM_WORLD);
        else
            MPI_Gatherv(src, (int)mine_n, MPI_BYTE, tmp, rc, rd, MPI_BYTE, root, MPI_COMM_WORLD);
        g_sent += mine_n;
        if (here)
            for (int r = 0; r < g_size; r++) {
                memcpy(*all + at[r] + off, tmp + rd[r], (size_t)rc[r]);
                g_recv += (size_t)rc[r];
            }
    }
    free(tmp);
    free(rc);
    free(rd);
    free(at);
    free(c64);
}

void dg_mpi_allgatherv(const void *mine, size_t n, char **all, size_t *counts)
{
    if (!dg_mpi_active()) {
        counts[0] = n;
        *all = n ? dg_xmalloc(n) : NULL;
        if (n)
            memcpy(*all, mine, n);
        return;
    }
    gather_any(-1, mine, n, all, counts);
}

void dg_mpi_gatherv(const void *mine, size_t n, char **all, size_t *counts)
{
    if (!dg_mpi_active()) {
        dg_mpi_allgatherv(mine, n, all, counts);
        return;
    }
    gather_any(0, mine, n, all, counts);
}

/* Point to point, straight from the caller's buffers into *recv: no
 * staging copy of the whole exchange on either side (MPI_Alltoallv needs
 * one send buffer with int displacements, so it cost two extra copies of
 * every byte and as much fresh memory).  Messages of at most `chunk`
 * bytes, in order between each pair (same source, tag and communicator:
 * MPI keeps their order); this rank's own share is a memcpy. */
void dg_mpi_alltoallv(char *const *send, const size_t *send_n, char **recv, size_t *recv_n)
{
    if (!dg_mpi_active()) {
        dg_mpi_allgatherv(send[0], send_n[0], recv, recv_n);
        return;
    }
    size_t P = (size_t)g_size;
    uint64_t *s64 = dg_xcalloc(P, sizeof *s64), *r64 = dg_xcalloc(P, sizeof *r64);
    for (size_t r = 0; r < P; r++)
        s64[r] = send_n[r];
    MPI_Request rq;
    MPI_Ialltoall(s64, 1, MPI_UINT64_T, r64, 1, MPI_UINT64_T, MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
    size_t total = 0, *at = dg_xcalloc(P, sizeof *at), chunk = chunk_bytes(), msgs = 0;
    for (size_t r = 0; r < P; r++) {
        recv_n[r] = (size_t)r64[r];
        at[r] = total;
        total += recv_n[r];
        if ((int)r != g_rank)
            msgs += (send_n[r] + chunk - 1) / chunk + (recv_n[r] + chunk - 1) / chunk;
    }
    *recv = total ? dg_xmalloc(total) : NULL;
    MPI_Request *rqs = dg_xmalloc((msgs ? msgs : 1) * sizeof *rqs);
    size_t k = 0;
    for (size_t r = 0; r < P; r++) /* receives first, so that no message waits unexpected */
        for (size_t off = 0; (int)r != g_rank && off < recv_n[r]; off += chunk) {
            size_t c = recv_n[r] - off < chunk ? recv_n[r] - off : chunk;
            MPI_Irecv(*recv + at[r] + off, (int)c, MPI_BYTE, (int)r, 0, MPI_COMM_WORLD, &rqs[k++]);
            g_recv += c;
        }
    for (size_t i = 1; i <= P; i++) { /* ranks after this one first: no rank is everyone's first target */
        size_t r = ((size_t)g_rank + i) % P;
        for (size_t off = 0; (int)r != g_rank && off < send_n[r]; off += chunk) {
            size_t c = send_n[r] - off < chunk ? send_n[r] - off : chunk;
            MPI_Isend(send[r] + off, (int)c, MPI_BYTE, (int)r, 0, MPI_COMM_WORLD, &rqs[k++]);
            g_sent += c;
        }
    }
    if (send_n[g_rank])
        memcpy(*recv + at[g_rank], send[g_rank], send_n[g_rank]);
    MPI_Waitall((int)k, rqs, MPI_STATUSES_IGNORE);
    free(rqs);
    free(at);
    free(s64);
    free(r64);
}

/* v[0..n) of elements `size` bytes wide (type t) reduced by op into rank 0's
 * v, in pieces whose byte count fits MPI's int counts. */
static void reduce_to_root(void *v, size_t n, size_t size, MPI_Datatype t, MPI_Op op)
{
    char *tmp = g_rank == 0 ? dg_xmalloc(n * size) : NULL;
    size_t step = (size_t)INT_MAX / size;
    for (size_t off = 0; off < n; off += step) {
        size_t c = n - off < step ? n - off : step;
        MPI_Reduce((char *)v + off * size, tmp ? tmp + off * size : NULL, (int)c, t, op, 0, MPI_COMM_WORLD);
    }
    if (tmp)
        memcpy(v, tmp, n * size);
    free(tmp);
}

void dg_mpi_sum_u64(uint64_t *v, size_t n)
{
    if (!dg_mpi_active() || !n)
        return;
    quiet_barrier();
    reduce_to_root(v, n, sizeof *v, MPI_UINT64_T, MPI_SUM);
}

static void u128_sum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    (void)dt;
    DgU128 a, b;
    for (int i = 0; i < *len; i++) {
        memcpy(&a, (char *)in + (size_t)i * 16, 16);
        memcpy(&b, (char *)inout + (size_t)i * 16, 16);
        b += a;
        memcpy((char *)inout + (size_t)i * 16, &b, 16);
    }
}

void dg_mpi_sum_u128(DgU128 *v, size_t n)
{
    if (!dg_mpi_active() || !n)
        return;
    quiet_barrier();
    MPI_Datatype t;
    MPI_Type_contiguous(16, MPI_BYTE, &t);
    MPI_Type_commit(&t);
    MPI_Op op;
    MPI_Op_create(u128_sum, 1, &op);
    reduce_to_root(v, n, sizeof *v, t, op);
    MPI_Op_free(&op);
    MPI_Type_free(&t);
}

void dg_mpi_recv_post(int from, void *buf, size_t n)
{
    if (!dg_mpi_active() || g_late != MPI_REQUEST_NULL)
        return;
    MPI_Irecv(buf, (int)n, MPI_BYTE, from, TAG_LATE, MPI_COMM_WORLD, &g_late);
    g_recv += n;
}

bool dg_mpi_recv_wait(void)
{
    if (g_late == MPI_REQUEST_NULL)
        return false;
    quiet_wait(&g_late); /* sets it to MPI_REQUEST_NULL */
    return true;
}

void dg_mpi_send(int to, const void *buf, size_t n)
{
    if (!dg_mpi_active())
        return;
    MPI_Request rq;
    MPI_Isend(buf, (int)n, MPI_BYTE, to, TAG_LATE, MPI_COMM_WORLD, &rq);
    quiet_wait(&rq);
    g_sent += n;
}

void dg_mpi_traffic(uint64_t *sent, uint64_t *received)
{
    *sent = g_sent;
    *received = g_recv;
}
