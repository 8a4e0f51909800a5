/*
 * The option-table parser (cli_opts.h) over getopt_long: the table gives
 * getopt's long options and short letters, the stored values, and the
 * --help text, so the three never disagree.
 */
#include "cli_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const DgCliOpt help_opt = DG_CLI_FLAG("help", 'h', NULL, "show this help and exit");

void dg_cli_args_init(DgCliArgs *a, const DgCliCmd *cmd, const DgCliOpt *opts, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    for (size_t i = 0; opts[i].name; i++) {
        if (opts[i].only && strcmp(opts[i].only, cmd->name))
            continue;
        if (a->n_opts == DG_CLI_MAX_OPTS) { /* a programming error: raise DG_CLI_MAX_OPTS */
            fprintf(stderr, "dangliang %s: more than %d options in the table\n", cmd->name, DG_CLI_MAX_OPTS);
            abort();
        }
        a->opts[a->n_opts++] = opts[i];
    }
    a->opts[a->n_opts++] = help_opt;
    a->argc = argc;
    a->argv = argv;
    optind = 0; /* 0: getopt re-initialises (a new argv) */
    opterr = 0;
}

static void record(DgCliArgs *a, const char *name, const char *value)
{
    if (a->n_seen < sizeof a->seen_name / sizeof a->seen_name[0]) {
        a->seen_name[a->n_seen] = name;
        a->seen_value[a->n_seen++] = value;
    }
}

int dg_cli_next(DgCliArgs *a)
{
    struct option lo[DG_CLI_MAX_OPTS + 2];
    char shorts[2 * DG_CLI_MAX_OPTS + 4];
    size_t n = a->n_opts, ns = 0;
    shorts[ns++] = ':'; /* ':' for a missing value, '?' for an unknown option */
    for (size_t i = 0; i < n; i++) {
        const DgCliOpt *o = &a->opts[i];
        lo[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, (int)(256 + i)};
        if (o->letter) {
            shorts[ns++] = (char)o->letter;
            if (o->arg)
                shorts[ns++] = ':';
        }
    }
    lo[n] = (struct option){0, 0, 0, 0};
    shorts[ns] = 0;
    for (;;) {
        int c = getopt_long(a->argc, a->argv, shorts, lo, NULL);
        if (c == -1) {
            a->first_arg = optind;
            return DG_CLI_END;
        }
        if (c == '?' || c == ':') {
            const char *bad = a->argv[optind - 1];
            if (c == ':')
                dg_cli_usage(a->cmd->name, "option \"%s\" needs a value", bad);
            else if (optopt && !(bad[0] == '-' && bad[1] == '-'))
                dg_cli_usage(a->cmd->name, "unknown option \"-%c\"", optopt);
            else
                dg_cli_usage(a->cmd->name, "unknown or incomplete option \"%s\"", bad);
            return DG_CLI_BAD;
        }
        size_t i = SIZE_MAX;
        if (c >= 256)
            i = (size_t)(c - 256);
        else
            for (size_t j = 0; j < n; j++)
                if (a->opts[j].letter == c)
                    i = j;
        if (i >= n)
            return DG_CLI_BAD;
        const DgCliOpt *o = &a->opts[i];
        if (i == n - 1) {
            dg_cli_print_help(a, stdout);
            return DG_CLI_HELP;
        }
        record(a, o->name, o->arg ? optarg : NULL);
        if (o->flag) {
            *o->flag = true;
        } else if (o->str) {
            *o->str = optarg;
        } else {
            a->arg = optarg;
            return o->id;
        }
    }
}

int dg_cli_args_exit(int c)
{
    return c == DG_CLI_HELP ? 0 : DG_E_USAGE;
}

/* "  -o, --out DIR" */
static int opt_label(const DgCliOpt *o, char *buf, size_t cap)
{
    if (o->letter)
        return snprintf(buf, cap, "  -%c, --%s%s%s", o->letter, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    return snprintf(buf, cap, "      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void dg_cli_print_help(const DgCliArgs *a, FILE *f)
{
    const DgCliCmd *cmd = a->cmd;
    fprintf(f, "usage: dangliang %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->synopsis, cmd->about);
    int width = 0;
    char label[128];
    for (size_t i = 0; i < a->n_opts; i++) {
        int w = opt_label(&a->opts[i], label, sizeof label);
        if (w > width && w <= 30)
            width = w;
    }
    for (size_t i = 0; i < a->n_opts; i++) {
        const DgCliOpt *o = &a->opts[i];
        int w = opt_label(o, label, sizeof label);
        if (w > width)
            fprintf(f, "%s\n%*s", label, width + 2, "");
        else
            fprintf(f, "%-*s  ", width, label);
        for (const char *p = o->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n' && p[1])
                fprintf(f, "%*s", width + 2, "");
        }
        fputc('\n', f);
    }
    if (cmd->footer)
        fprintf(f, "\n%s", cmd->footer);
}
