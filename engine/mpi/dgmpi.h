/*
 * The engine's only window on MPI (docs/scale.md, "Running on a cluster").
 *
 * Design: every MPI call of the project lives in dgmpi.c, compiled with
 * mpicc's flags when the build finds mpicc; otherwise dgmpi_stub.c gives
 * the same functions for one process (rank 0 of 1), so the rest of the
 * engine — and every header it includes — never sees an MPI type.  The
 * program is one binary: started by mpirun with more than one rank it runs
 * the MPI data flow (engine/partition/partition_mpi.c), otherwise it is the
 * ordinary one-process engine.
 *
 * Every collective here is entered by every rank in the same order; errors
 * are exchanged by dg_mpi_agree at each step boundary, so a rank never
 * waits in a collective that another rank has left.  Sizes are bytes; the
 * large exchanges go in rounds, so no count passes MPI's int limit.
 */
#ifndef DG_DGMPI_H
#define DG_DGMPI_H

#include "dangliang/common.h"

/* True when the program was built with MPI support. */
bool dg_mpi_built(void);

/* Start MPI when the process was launched by mpirun (its environment says
 * so); otherwise, and when MPI support is not built, do nothing. */
void dg_mpi_start(int *argc, char ***argv);

/* This process's rank (0 without MPI) and the number of ranks (1). */
int dg_mpi_rank(void);
int dg_mpi_size(void);

/* The ranks running on this process's machine, this one included (1
 * without MPI). */
int dg_mpi_local_size(void);

/* True when more than one rank runs: the MPI data flow applies. */
bool dg_mpi_active(void);

/* The end of the program: every rank gets rank 0's exit code (which has
 * seen every other rank's error already), MPI ends, the code is returned. */
int dg_mpi_end(int code);

/* Step boundary: every rank passes its status (and its error, when not
 * DG_OK).  Returns the status of the lowest-numbered rank that failed, with
 * that rank's error copied into *err on every rank, or DG_OK. */
DgStatus dg_mpi_agree(DgStatus st, DgError *err);

/* Every rank's n values, rank by rank, into all[size * n] on every rank. */
void dg_mpi_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all);

/* Every rank's bytes, rank by rank, into *all (malloc'd, caller frees; may
 * be NULL when empty) on every rank; counts[size] the bytes of each. */
void dg_mpi_allgatherv(const void *mine, size_t n, char **all, size_t *counts);

/* The same, received by rank 0 only (*all NULL elsewhere). */
void dg_mpi_gatherv(const void *mine, size_t n, char **all, size_t *counts);

/* send[r] (send_n[r] bytes) goes to rank r; *recv (malloc'd) receives what
 * every rank sent here, rank by rank, recv_n[r] bytes from rank r. */
void dg_mpi_alltoallv(char *const *send, const size_t *send_n, char **recv, size_t *recv_n);

/* Element-wise sums into rank 0's array (other ranks' arrays unchanged). */
void dg_mpi_sum_u64(uint64_t *v, size_t n);
void dg_mpi_sum_u128(DgU128 *v, size_t n);

/* A message to rank 0 that rank 0 reads only when it needs it, so that
 * the sender can work while rank 0 goes on (the input digests: only the
 * manifest, written last, needs them).  At the same step, with the same n,
 * rank 0 calls dg_mpi_recv_post and the rank `from` calls dg_mpi_send; a
 * step boundary (dg_mpi_agree) must have decided that both do.  Rank 0
 * then calls dg_mpi_recv_wait before it reads buf, which must live until
 * then, or until dg_mpi_end (which completes a receive still posted).  One
 * such receive at a time; n < 2 GiB.  dg_mpi_send returns once its bytes
 * are sent, waiting without spinning.  dg_mpi_recv_wait returns false when
 * no receive was posted (without MPI: always). */
void dg_mpi_recv_post(int from, void *buf, size_t n);
bool dg_mpi_recv_wait(void);
void dg_mpi_send(int to, const void *buf, size_t n);

/* Bytes exchanged by this rank so far (sent, received), for the stats. */
void dg_mpi_traffic(uint64_t *sent, uint64_t *received);

#endif
