/*
 * Option tables of the subcommands.  One table per command is both the
 * parser's input and the source of `dangliang CMD --help`, so adding an
 * option is one line: a flag or a plain string is stored through its
 * pointer; an option with a value to check gets an id that the command's
 * switch handles.  -h/--help is added to every command.  Every option seen
 * is recorded (name and value) for manifest.json.
 */
#ifndef DG_CLI_OPTS_H
#define DG_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct DgCliOpt {
    const char *name;  /* long name without "--" */
    int letter;        /* short letter, 0 if none */
    const char *arg;   /* placeholder of the value ("FILE"), NULL for a flag */
    const char *help;  /* one sentence for --help (may hold '\n' for more lines) */
    int id;            /* > 0: returned by dg_cli_next for the command to handle */
    bool *flag;        /* or: set to true when given */
    const char **str;  /* or: set to the value */
    const char *only;  /* NULL, or the one command (of a shared table) that has it */
} DgCliOpt;

/* Table lines: FLAG stores true, STR stores the value, OPT returns id.  The
 * _IN forms are for a line of a shared table that only command `cmd` has. */
#define DG_CLI_FLAG_IN(cmd, name, letter, ptr, help) {name, letter, NULL, help, 0, ptr, NULL, cmd}
#define DG_CLI_STR_IN(cmd, name, letter, arg, ptr, help) {name, letter, arg, help, 0, NULL, ptr, cmd}
#define DG_CLI_OPT_IN(cmd, name, letter, arg, id, help) {name, letter, arg, help, id, NULL, NULL, cmd}
#define DG_CLI_FLAG(name, letter, ptr, help) DG_CLI_FLAG_IN(NULL, name, letter, ptr, help)
#define DG_CLI_STR(name, letter, arg, ptr, help) DG_CLI_STR_IN(NULL, name, letter, arg, ptr, help)
#define DG_CLI_OPT(name, letter, arg, id, help) DG_CLI_OPT_IN(NULL, name, letter, arg, id, help)
#define DG_CLI_END_OPTS {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL}

typedef struct DgCliCmd {
    const char *name;     /* "run" */
    const char *synopsis; /* what follows "dangliang run" in the usage line */
    const char *about;    /* a paragraph printed under the usage line */
    const char *footer;   /* printed after the options, or NULL */
} DgCliCmd;

#define DG_CLI_MAX_OPTS 48

typedef struct DgCliArgs {
    const DgCliCmd *cmd;
    DgCliOpt opts[DG_CLI_MAX_OPTS + 1]; /* the command's options, then --help */
    size_t n_opts;
    int argc;
    char **argv;
    const char *arg;   /* value of the option dg_cli_next returned */
    int first_arg;     /* after the loop: index of the first operand in argv */
    /* the options as given, for manifest.json: names[i] (long name) and
     * values[i] (NULL for a flag) */
    const char *seen_name[DG_CLI_MAX_OPTS * 2];
    const char *seen_value[DG_CLI_MAX_OPTS * 2];
    size_t n_seen;
} DgCliArgs;

enum { DG_CLI_END = 0, DG_CLI_HELP = -1, DG_CLI_BAD = -2 };

/* Start parsing argv (argv[0] = the command name) with opts (ending with
 * an all-zero line; lines whose `only` names another command are left out). */
void dg_cli_args_init(DgCliArgs *a, const DgCliCmd *cmd, const DgCliOpt *opts, int argc, char **argv);
/* The next option the command must handle: its id (value in a->arg), or
 * DG_CLI_END (operands start at a->first_arg), DG_CLI_HELP (the help was
 * printed on stdout: exit 0) or DG_CLI_BAD (a usage error was printed on
 * stderr: exit 2).  Flag and string options are stored and not returned. */
int dg_cli_next(DgCliArgs *a);
/* Exit code after the loop ended with c (DG_CLI_HELP → 0, DG_CLI_BAD → 2). */
int dg_cli_args_exit(int c);
/* Print the help of the command on f. */
void dg_cli_print_help(const DgCliArgs *a, FILE *f);

#endif
