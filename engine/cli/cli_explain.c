/* `dangliang explain`: not implemented yet. */
#include <stdio.h>

#include "cli.h"

int dg_cli_explain(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dangliang explain: not implemented yet\n");
    return DG_E_USAGE;
}
