/* `dangliang diff`: not implemented yet. */
#include <stdio.h>

#include "cli.h"

int dg_cli_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dangliang diff: not implemented yet\n");
    return DG_E_USAGE;
}
