/*
 * dgmpi.h without MPI (the build found no mpicc): one process, rank 0 of 1.
 * dg_mpi_start does nothing, so a program started by mpirun anyway runs
 * the whole job alone in every rank; `dangliang -V` says MPI is not built.
 */
#include "dgmpi.h"

#include <stdlib.h>
#include <string.h>

bool dg_mpi_built(void)
{
    return false;
}

void dg_mpi_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

int dg_mpi_rank(void)
{
    return 0;
}

int dg_mpi_size(void)
{
    return 1;
}

int dg_mpi_local_size(void)
{
    return 1;
}

bool dg_mpi_active(void)
{
    return false;
}

int dg_mpi_end(int code)
{
    return code;
}

DgStatus dg_mpi_agree(DgStatus st, DgError *err)
{
    (void)err;
    return st;
}

void dg_mpi_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all)
{
    memcpy(all, mine, n * sizeof *all);
}

void dg_mpi_allgatherv(const void *mine, size_t n, char **all, size_t *counts)
{
    counts[0] = n;
    *all = n ? dg_xmalloc(n) : NULL;
    if (n)
        memcpy(*all, mine, n);
}

void dg_mpi_gatherv(const void *mine, size_t n, char **all, size_t *counts)
{
    dg_mpi_allgatherv(mine, n, all, counts);
}

void dg_mpi_alltoallv(char *const *send, const size_t *send_n, char **recv, size_t *recv_n)
{
    dg_mpi_allgatherv(send[0], send_n[0], recv, recv_n);
}

void dg_mpi_sum_u64(uint64_t *v, size_t n)
{
    (void)v;
    (void)n;
}

void dg_mpi_sum_u128(DgU128 *v, size_t n)
{
    (void)v;
    (void)n;
}

void dg_mpi_traffic(uint64_t *sent, uint64_t *received)
{
    *sent = *received = 0;
}

void dg_mpi_recv_post(int from, void *buf, size_t n)
{
    (void)from;
    (void)buf;
    (void)n;
}

bool dg_mpi_recv_wait(void)
{
    return false;
}

void dg_mpi_send(int to, const void *buf, size_t n)
{
    (void)to;
    (void)buf;
    (void)n;
}
