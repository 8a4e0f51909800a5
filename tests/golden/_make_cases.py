#!/usr/bin/env python3
"""Writes the hand-made golden cases for `dangliang check`.

Every expected number and line below was counted by hand from the log text
right beside it (see each case's README.md); nothing here runs the engine.
Run it once to (re)create the case folders; the folders are committed.
"""
import gzip, os, pathlib

ROOT = pathlib.Path(__file__).resolve().parent
REASONS = ["malformed", "missing_field", "bad_quantity", "bad_date", "out_of_period",
           "unknown_unit", "unknown_item", "item_not_in_force", "duplicate_record_id"]
HDR = "record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n"


def commas(n):
    return f"{n:,}"


def stdout(nfiles, read, acc, rej, by, out=True, flagged=0, flag_lines=()):
    s = f"dangliang check: scheme golden-small, {nfiles} log file{'s' if nfiles != 1 else ''}\n"
    s += f"rows read      {commas(read):>15}\n"
    s += f"rows accepted  {commas(acc):>15}\n"
    s += f"rows rejected  {commas(rej):>15}\n"
    for r in REASONS:
        if by.get(r):
            s += f"  {r:<21} {commas(by[r]):>9}\n"
    s += f"check: rows_read = rows_accepted + rows_rejected ({read} = {acc} + {rej}) ok\n"
    s += f"rows flagged   {commas(flagged):>15}\n"
    for line in flag_lines:
        s += line + "\n"
    if out:
        s += "rejects: $OUT/rejects.csv\nflags: $OUT/flags.csv\n"
    return s


def case(name, files, cmd, read, acc, rej, by, rejects, readme, exit_code=0, bom=False):
    d = ROOT / name
    (d / "expected").mkdir(parents=True, exist_ok=True)
    for fn, data in files.items():
        (d / fn).write_bytes(data if isinstance(data, bytes) else data.encode())
    (d / "cmd").write_text(cmd + "\n")
    (d / "expected" / "stdout").write_text(stdout(len([a for a in cmd.split() if a.endswith(('.csv', '.jsonl', '.gz', '.ndjson', '.log'))]), read, acc, rej, by))
    body = "file,line,record_id,reason,detail\n" + "".join(r + "\n" for r in rejects)
    (d / "expected" / "rejects.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode())
    fbody = "file,line,record_id,unit_id,check,excess_quantity,detail,appeal,appeal_note\n"
    (d / "expected" / "flags.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + fbody.encode())
    if exit_code:
        (d / "expected" / "exit").write_text(f"{exit_code}\n")
    (d / "README.md").write_text(readme.strip() + "\n")


CHECK = "$DG check --scheme ../_small/scheme.json --out $OUT --no-bom"
Q = 'is not a whole number from 1 to 10000"'
BD = 'is not a valid date (YYYY-MM-DD or YYYY/M/D)"'
PER = "is outside the period 2020-01-01 to 2020-12-31"
HYPER = "log.csv,5,\"'=HYPERLINK(\"\"x\"\")\",unknown_item,\"item_code \"\"XX2\"\" is not in the catalog\""

case("r_malformed",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2020-03-01\n"
      "R3,U01,S1,P\"1\"x,MED-VISIT,2020-03-01,1\n"
      "R4,U01,S1,\"P1\"x,MED-VISIT,2020-03-01,1\n"
      "R5,U01,S1,P1,MED-VISIT,2020-03-02,1,extra\n"
      "R6,U01,S1,P1,MED-VISIT,2020-03-03,1\n"
      "R7,U01,S1,\"P1,MED-VISIT,2020-03-04,1\n"
      "R8,U01,S1,P1,MED-VISIT,2020-03-05,1\n"},
     f"{CHECK} log.csv", 7, 2, 5, {"malformed": 5},
     ["log.csv,3,R2,malformed,6 fields where the header has 7",
      "log.csv,4,R3,malformed,quote inside an unquoted field",
      "log.csv,5,R4,malformed,text after a closing quote",
      "log.csv,6,R5,malformed,8 fields where the header has 7",
      "log.csv,8,R7,malformed,unterminated quoted field"],
     """
# malformed rows (hand count)
Physical lines: 1 header, 2 R1 good, 3 R2 (6 fields), 4 R3 (`P"1"x`: quotes inside an unquoted field),
5 R4 (`"P1"x`: text after the closing quote), 6 R5 (8 fields), 7 R6 good, 8 R7 opens a quote that is
never closed, so lines 8-9 (R7 and R8) are one malformed record running to the end of the file.
Rows read = 7 (R1..R7; R8 is inside R7's record). Accepted = 2 (R1, R6). Rejected = 5, all malformed.
""")

case("r_missing_field",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,,P1,MED-VISIT,2020-03-01,1\n"
      ",U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R4,U01,S1,,MED-VISIT,2020-03-01,\n"
      "R5,U01,S1,P1,,2020-13-01,1\n"
      "R6,U01,S1,P1,MED-VISIT,   ,1\n"},
     f"{CHECK} log.csv", 6, 2, 4, {"missing_field": 4},
     ["log.csv,3,R2,missing_field,staff_id is empty",
      "log.csv,4,,missing_field,record_id is empty",
      "log.csv,6,R5,missing_field,item_code is empty",
      "log.csv,7,R6,missing_field,service_date is empty"],
     """
# missing_field (hand count)
Line 2 R1 good. Line 3 R2 has no staff_id. Line 4 has no record_id. Line 5 R4 has no patient_id and no
quantity - both optional (quantity empty = 1), so it is accepted. Line 6 R5 has no item_code and a bad
date: missing_field comes first in the precedence. Line 7 R6's date is only spaces, trimmed to empty.
Read 6, accepted 2 (R1, R4), rejected 4.
""")

case("r_bad_quantity",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2020-03-01,0\n"
      "R3,U01,S1,P1,MED-VISIT,2020-03-01,1.5\n"
      "R4,U01,S1,P1,MED-VISIT,2020-03-01,-2\n"
      "R5,U01,S1,P1,MED-VISIT,2020-03-01,+3\n"
      "R6,U01,S1,P1,MED-VISIT,2020-03-01,10001\n"
      "R7,U01,S1,P1,MED-VISIT,2020-03-01,10000\n"
      "R8,U01,S1,P1,MED-VISIT,2020-03-01, 7 \n"
      "R9,U01,S1,P1,MED-VISIT,2020-03-01,007\n"
      "R10,U01,S1,P1,MED-VISIT,2020-02-30,abc\n"},
     f"{CHECK} log.csv", 10, 4, 6, {"bad_quantity": 6},
     [f'log.csv,3,R2,bad_quantity,"quantity ""0"" {Q}',
      f'log.csv,4,R3,bad_quantity,"quantity ""1.5"" {Q}',
      f'log.csv,5,R4,bad_quantity,"quantity ""-2"" {Q}',
      f'log.csv,6,R5,bad_quantity,"quantity ""+3"" {Q}',
      f'log.csv,7,R6,bad_quantity,"quantity ""10001"" {Q}',
      f'log.csv,11,R10,bad_quantity,"quantity ""abc"" {Q}'],
     """
# bad_quantity (hand count)
Quantity must be digits only with value 1..10000. Good: R1 (1), R7 (10000), R8 (` 7 ` trimmed to 7),
R9 (`007` = 7). Bad: R2 0, R3 1.5, R4 -2, R5 +3, R6 10001, R10 `abc` (its date 2020-02-30 is also bad,
but bad_quantity comes first). Read 10, accepted 4, rejected 6. The detail holds quotes, so the CSV cell is
quoted with doubled quotes.
""")

case("r_bad_date",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2020-02-30,1\n"
      "R3,U01,S1,P1,MED-VISIT,2020.05.07,1\n"
      "R4,U01,S1,P1,MED-VISIT,2020/5/7,1\n"
      "R5,U01,S1,P1,MED-VISIT,2020-05-07T08:30:00,1\n"
      "R6,U01,S1,P1,MED-VISIT,2020-05-07 08:30,1\n"
      "R7,U01,S1,P1,MED-VISIT,2020-5/7,1\n"
      "R8,U01,S1,P1,MED-VISIT,20-05-07,1\n"
      "R9,U01,S1,P1,MED-VISIT,2020-02-29,1\n"
      "R10,U01,S1,P1,MED-VISIT,2020-05-07x,1\n"
      "R11,U01,S1,P1,MED-VISIT,2020-005-07,1\n"},
     f"{CHECK} log.csv", 11, 5, 6, {"bad_date": 6},
     [f'log.csv,3,R2,bad_date,"service_date ""2020-02-30"" {BD}',
      f'log.csv,4,R3,bad_date,"service_date ""2020.05.07"" {BD}',
      f'log.csv,8,R7,bad_date,"service_date ""2020-5/7"" {BD}',
      f'log.csv,9,R8,bad_date,"service_date ""20-05-07"" {BD}',
      f'log.csv,11,R10,bad_date,"service_date ""2020-05-07x"" {BD}',
      f'log.csv,12,R11,bad_date,"service_date ""2020-005-07"" {BD}'],
     """
# bad_date (hand count)
Good: R1; R4 `2020/5/7` (1-digit month/day, `/`); R5 and R6 (a time after `T` or a space is not checked);
R9 2020-02-29 (2020 is a leap year). Bad: R2 Feb 30; R3 `.` separators; R7 mixed `-` and `/`; R8 2-digit
year; R10 trailing `x`; R11 3-digit month. Read 11, accepted 5, rejected 6.
""")

case("r_out_of_period",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-01-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2019-12-31,1\n"
      "R3,U01,S1,P1,MED-VISIT,2020-12-31,1\n"
      "R4,U01,S1,P1,MED-VISIT,2021-01-01,1\n"
      "R5,U99,S1,P1,MED-VISIT,2021-06-01,1\n"},
     f"{CHECK} log.csv", 5, 2, 3, {"out_of_period": 3},
     [f"log.csv,3,R2,out_of_period,service_date 2019-12-31 {PER}",
      f"log.csv,5,R4,out_of_period,service_date 2021-01-01 {PER}",
      f"log.csv,6,R5,out_of_period,service_date 2021-06-01 {PER}"],
     """
# out_of_period (hand count)
The period is 2020-01-01..2020-12-31 inclusive: R1 and R3 sit on its ends and are accepted; R2 and R4 are
one day outside. R5 also has an unknown unit, but out_of_period comes first. Read 5, accepted 2, rejected 3.
""")

case("r_unknown_unit",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U99,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R3,u01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R4,U99,S1,P1,XX,2020-03-01,1\n"},
     f"{CHECK} log.csv", 4, 1, 3, {"unknown_unit": 3},
     ['log.csv,3,R2,unknown_unit,"unit_id ""U99"" is not in the units file"',
      'log.csv,4,R3,unknown_unit,"unit_id ""u01"" is not in the units file"',
      'log.csv,5,R4,unknown_unit,"unit_id ""U99"" is not in the units file"'],
     """
# unknown_unit (hand count)
Ids are compared byte for byte, so `u01` is not `U01`. R4 also has an unknown item; unknown_unit comes
first. Read 4, accepted 1, rejected 3.
""")

case("r_unknown_item",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,XX,2020-03-01,1\n"
      "R3,U01,S1,P1,med-visit,2020-03-01,1\n"
      "\"=HYPERLINK(\"\"x\"\")\",U01,S1,P1,XX2,2020-03-01,1\n"},
     f"{CHECK} log.csv", 4, 1, 3, {"unknown_item": 3},
     ['log.csv,3,R2,unknown_item,"item_code ""XX"" is not in the catalog"',
      'log.csv,4,R3,unknown_item,"item_code ""med-visit"" is not in the catalog"',
      HYPER],
     """
# unknown_item (hand count)
R2 `XX` and R3 `med-visit` (case differs) are not catalog codes. The fourth row's record id is
`=HYPERLINK("x")`: in rejects.csv it must be neutralised against formula injection (a leading `'`) and
quoted because it holds quotes. Read 4, accepted 1, rejected 3.
""")

case("r_item_not_in_force",
     {"log.csv": HDR +
      "R1,U01,S1,P1,OLD-ITEM,2020-03-31,1\n"
      "R2,U01,S1,P1,OLD-ITEM,2020-04-01,1\n"
      "R3,U01,S1,P1,PH-ID-REPORT,2020-05-25,1\n"
      "R4,U01,S1,P1,PH-ID-REPORT,2020-05-26,1\n"
      "R5,U01,S1,P1,OLD-ITEM,2020-12-31,1\n"},
     f"{CHECK} log.csv", 5, 3, 2, {"item_not_in_force": 2},
     ['log.csv,3,R2,item_not_in_force,"item_code ""OLD-ITEM"" has no catalog row in force on 2020-04-01"',
      'log.csv,6,R5,item_not_in_force,"item_code ""OLD-ITEM"" has no catalog row in force on 2020-12-31"'],
     """
# item_not_in_force (hand count)
OLD-ITEM is valid up to 2020-03-31 inclusive: R1 is accepted, R2 (04-01) and R5 (12-31) are not.
PH-ID-REPORT has two rows (to 2020-05-25, from 2020-05-26): R3 and R4 each find their row.
Read 5, accepted 3, rejected 2.
""")

case("r_duplicate_record_id",
     {"log.csv": HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R1,U01,S1,P1,MED-VISIT,2020-03-02,1\n"
      "R3,U01,S1,P1,MED-VISIT,2020-03-01,0\n"
      "R3,U01,S1,P1,MED-VISIT,2020-03-03,1\n"
      "R3,U01,S1,P1,MED-VISIT,2020-03-04,1\n"
      "R2,U99,S1,P1,MED-VISIT,2020-03-05,1\n"},
     f"{CHECK} log.csv", 7, 3, 4, {"bad_quantity": 1, "unknown_unit": 1, "duplicate_record_id": 2},
     ["log.csv,4,R1,duplicate_record_id,record_id first seen at log.csv line 2",
      f'log.csv,5,R3,bad_quantity,"quantity ""0"" {Q}',
      "log.csv,7,R3,duplicate_record_id,record_id first seen at log.csv line 6",
      'log.csv,8,R2,unknown_unit,"unit_id ""U99"" is not in the units file"'],
     """
# duplicate_record_id (hand count)
Duplicates are judged last, among rows that pass every other check, keeping the first in input order.
R1 (line 2) kept, R1 (line 4) duplicate. R3 at line 5 has quantity 0 -> bad_quantity, so the R3 at line
6 is the first *valid* R3 and is kept; line 7 is its duplicate. R2 at line 8 has an unknown unit, which
wins over being a duplicate of line 3. Read 7, accepted 3 (lines 2, 3, 6), rejected 4.
""")

case("multi_file",
     {"a.csv": HDR + "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\nR2,U01,S1,P1,MED-VISIT,2020-03-01,1\n",
      "b.csv": HDR + "R1,U02,S9,P7,PH-HTN-FU,2020-04-01,1\nR9,U02,S9,P7,PH-HTN-FU,2020-04-02,1\n"},
     f"{CHECK} a.csv b.csv", 4, 3, 1, {"duplicate_record_id": 1},
     ["b.csv,2,R1,duplicate_record_id,record_id first seen at a.csv line 2"],
     """
# two files (hand count)
Input order is files in command-line order, then lines. R1 appears first in a.csv line 2, so b.csv's R1
is the duplicate. Read 4, accepted 3, rejected 1.
""")

case("bom_crlf",
     {"log.csv": "\ufeff" + HDR.replace("\n", "\r\n") +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\r\n"
      "\r\n"
      "R2,U01,S1,P1,MED-VISIT,2020-03-01,0\r\n"
      "R3,U01,S1,P1,MED-VISIT,2020-03-01,2"},
     "$DG check --scheme ../_small/scheme.json --out $OUT log.csv", 3, 2, 1, {"bad_quantity": 1},
     [f'log.csv,4,R2,bad_quantity,"quantity ""0"" {Q}'],
     """
# BOM, CRLF, a blank line and no final newline (hand count)
The UTF-8 BOM is skipped; CR before LF is removed; line 3 is empty after removing its CR, so it is blank:
skipped and not counted, but it still counts as a physical line (R2 is on line 4). The last line has no
newline. Read 3, accepted 2, rejected 1. This case writes rejects.csv with its BOM (no --no-bom).
""", bom=True)

case("multiline_quoted",
     {"log.csv": HDR +
      "R1,U01,S1,\"P,1\nsecond line\",MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,MED-VISIT,2020-03-01,0\n"
      "\"R3 \"\"quoted\"\"\",U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R4,\"U99\",S1,P1,MED-VISIT,2020-03-01,1\n"
      "R5,U01,\"S\n1\n\",P1,MED-VISIT,2020-13-01,1\n"
      "R6,U01,S1,P1,XX,2020-03-01,1\n"},
     f"{CHECK} log.csv", 6, 2, 4, {"bad_quantity": 1, "bad_date": 1, "unknown_unit": 1, "unknown_item": 1},
     [f'log.csv,4,R2,bad_quantity,"quantity ""0"" {Q}',
      'log.csv,6,R4,unknown_unit,"unit_id ""U99"" is not in the units file"',
      f'log.csv,7,R5,bad_date,"service_date ""2020-13-01"" {BD}',
      'log.csv,10,R6,unknown_item,"item_code ""XX"" is not in the catalog"'],
     """
# quoted fields holding commas, quotes and newlines (hand count)
R1's patient_id `P,1<LF>second line` spans lines 2-3 and is accepted. R2 starts on line 4 (bad quantity).
Line 5's record id is `R3 "quoted"` (accepted). R4 (line 6) quotes an unknown unit. R5's staff_id holds
two newlines, so R5 spans lines 7-9 and is reported at line 7 (month 13). R6 is on line 10.
Read 6, accepted 2 (R1, R3), rejected 4.
""")

case("reordered_columns",
     {"log.csv": " quantity , item_code,extra,service_date,unit_id,staff_id,record_id\n"
      "1,MED-VISIT,whatever,2020-03-01,U01,S1,R1\n"
      " 2 , PH-HTN-FU ,x, 2020-03-02 ,U02,S2,R2\n"
      ",MED-VISIT,x,2020-03-03,U01,,R3\n"},
     f"{CHECK} log.csv", 3, 2, 1, {"missing_field": 1},
     ["log.csv,4,R3,missing_field,staff_id is empty"],
     """
# columns found by header name (hand count)
The header lists the columns in another order, with spaces around names, an extra column and no
patient_id (optional). Row 2 and row 3 (values padded with spaces, trimmed) are accepted; row 4 has an
empty staff_id. Read 3, accepted 2, rejected 1.
""")

gz = gzip.compress((HDR +
      "R1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
      "R2,U01,S1,P1,NOPE,2020-03-01,1\n"
      "R3,U02,S2,P2,PH-HTN-FU,2020-03-01,1\n").encode(), mtime=0)
case("gzip", {"log.csv.gz": gz}, f"{CHECK} log.csv.gz", 3, 2, 1, {"unknown_item": 1},
     ['log.csv.gz,3,R2,unknown_item,"item_code ""NOPE"" is not in the catalog"'],
     """
# gzip input (hand count)
log.csv.gz holds a 4-line CSV: R1 and R3 good, R2 has an unknown item. Read 3, accepted 2, rejected 1.
""")

gb = (HDR +
      "R1,U01,张医生,P1,MED-VISIT,2020-03-01,1\n"
      "R2,定海,张医生,P1,MED-VISIT,2020-03-01,1\n").encode("gb18030") + \
     b"R3,U01,S\x81,P1,MED-VISIT,2020-03-01,1\n"
case("gb18030", {"log.csv": gb}, f"{CHECK} --encoding GB18030 log.csv", 3, 1, 2,
     {"malformed": 1, "unknown_unit": 1},
     ['log.csv,3,R2,unknown_unit,"unit_id ""定海"" is not in the units file"',
      "log.csv,4,R3,malformed,the row is not valid text in the input encoding"],
     """
# GB18030 input (hand count)
The file is GB18030 (a legacy export). R1's staff 张医生 decodes fine. R2's unit 定海 is decoded to UTF-8
and is unknown. R3 holds byte 0x81 followed by `,`, which is not a GB18030 character: that row cannot be
decoded and is malformed. Read 3, accepted 1, rejected 2.
""")

J = '"unit_id":"U01","staff_id":"S1","item_code":"MED-VISIT","service_date":"2020-03-01"'
case("jsonl",
     {"log.jsonl":
      '{"record_id":"R1",' + J + ',"patient_id":null,"quantity":2}\n'
      '{"record_id":"R2",' + J + ',"quantity":1.5}\n'
      '{"record_id":"R3","unit_id":true,"staff_id":"S1","item_code":"MED-VISIT","service_date":"2020-03-01"}\n'
      '{"record_id":"R4","record_id":"R4b",' + J + '}\n'
      '[1,2]\n'
      '{"record_id":7,' + J + ',"quantity":"3"}\n'
      '\n'
      '{"record_id":"R8",' + J + ',"quantity":-1}\n'
      '{"record_id":"R9","unit_id":"U01","item_code":"MED-VISIT","service_date":"2020-03-01"}\n'
      '{"record_id":"R10",' + J + ',"extra":{"a":[1,2,{"b":null}]},"patient_id":"P\\u5f20"}\n'},
     f"{CHECK} log.jsonl", 9, 3, 6,
     {"malformed": 3, "missing_field": 1, "bad_quantity": 2},
     ["log.jsonl,2,R2,bad_quantity,quantity is not a string or integer",
      "log.jsonl,3,R3,malformed,unit_id is not a string or integer",
      "log.jsonl,4,,malformed,duplicate key",
      "log.jsonl,5,,malformed,not a JSON object",
      f'log.jsonl,8,R8,bad_quantity,"quantity ""-1"" {Q}',
      "log.jsonl,9,R9,missing_field,staff_id is empty"],
     """
# JSON Lines (hand count)
1 R1 good (null patient is empty; integer quantity 2). 2 R2: a float quantity -> bad_quantity.
3 R3: a boolean unit_id -> malformed. 4: `record_id` twice -> malformed (no record id is reported, the
line is not a valid row). 5: an array, not an object -> malformed. 6: integer record id 7 is read as "7";
quantity "3" as a string is fine -> accepted. 7: blank, skipped and not counted. 8 R8: integer -1 is read
as "-1" -> bad_quantity. 9 R9: no staff_id key -> missing_field. 10 R10: nested values under other keys
are ignored, `\\u5f20` decodes to 张 -> accepted.
Read 9, accepted 3 (R1, 7, R10), rejected 6.
""")
