/*
 * The build commit, set by the Makefile (-DDG_BUILD_COMMIT, from
 * `git describe --always --dirty`; "unknown" outside a git checkout or
 * COMMIT=... on the make command line for a build from a tarball).  Only
 * this file is recompiled when the commit changes.
 */
#include "cli.h"

#ifndef DG_BUILD_COMMIT
#define DG_BUILD_COMMIT "unknown"
#endif

const char *dg_cli_build_commit(void)
{
    return DG_BUILD_COMMIT;
}
