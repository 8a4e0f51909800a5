/*
 * Linked into build/tests/dangliang-lxw only: the program with the
 * libxlsxwriter oracle writing every workbook, so a test can run the same
 * command with both writers and compare the bytes (tests/xlsx/oracle.sh).
 */
#include "xlsx_oracle.h"

__attribute__((constructor)) static void use_oracle(void)
{
    dg_xlsxout_test_writer = dg_xlsxout_write_lxw;
}
