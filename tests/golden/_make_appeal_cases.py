#!/usr/bin/env python3
"""Writes the golden cases of appeals, advances/settlement and per-capita budgets.

Nothing here runs the engine.  Every expected line is typed from the hand
computation in tests/golden/_appeal/README.md (flags, audited quantities after
the appeals, the largest-remainder allocations with and without them, the
settlement balances, the per-capita budget).  Run it once to (re)create the
case folders; the folders are committed.
"""
import json
import pathlib

from _golden_case import write_case

ROOT = pathlib.Path(__file__).resolve().parent
FIX = "../_appeal"


def write(case, cmd, readme, exit_code=None, stderr_contains=None, files=None, inputs=None):
    write_case(ROOT, case, cmd, readme=readme, exit_code=exit_code, stderr_contains=stderr_contains, files=files,
               inputs=inputs)


def unit_appeals(unit, overturn, uphold, qty_restored, wl_restored, pay_without, payout, change, wl_without):
    """summary.json's appeals entry of a unit paid by the one pool `all`"""
    return {"unit_id": unit, "overturn": overturn, "uphold": uphold, "quantity_restored": qty_restored,
            "workload_restored": wl_restored, "payout_without_appeals": pay_without, "payout": payout,
            "payout_change": change,
            "pools": [{"pool_id": "all", "workload_without_appeals": wl_without, "workload_restored": wl_restored,
                       "payout_without_appeals": pay_without, "payout_change": change}]}


def j(obj):
    return json.dumps(obj, indent=1, ensure_ascii=False) + "\n"


FLAG_HDR = "file,line,record_id,unit_id,check,excess_quantity,detail,appeal,appeal_note\n"
D_R1 = '"1st to 2nd FU of patient P1 on 2020-03-01, day cap 1"'
D_R4 = '"4th FU of patient P1 in the period, period cap 3"'
D_X1 = '"1st to 3rd FU of patient P3 on 2020-03-02, day cap 1"'
D_Y1 = '"1st to 2nd FU of patient P6 on 2020-03-03, day cap 1"'


def staff_d(staff, day, policy):
    return f'"staff {staff} on {day}: 50 minutes of services, limit 30 ({policy})"'


def flags(policy, appeals):
    """One line per (row, check) in (row, check) order; excess of staff_overload is the
    after-caps quantity under exclude (x1 1, x2 1, x3 1, y1 1, y2 2), 0 under review."""
    ex = policy == "exclude"
    pol = "excluded" if ex else "kept for review"
    rows = [
        ("2", "r1", "U1", "over_patient_day", 1, D_R1),
        ("5", "r4", "U1", "over_patient_period", 1, D_R4),
        ("6", "x1", "U2", "over_patient_day", 2, D_X1),
        ("6", "x1", "U2", "staff_overload", 1 if ex else 0, staff_d("S2", "2020-03-02", pol)),
        ("7", "x2", "U2", "staff_overload", 1 if ex else 0, staff_d("S2", "2020-03-02", pol)),
        ("8", "x3", "U2", "staff_overload", 1 if ex else 0, staff_d("S2", "2020-03-02", pol)),
        ("9", "y1", "U2", "over_patient_day", 1, D_Y1),
        ("9", "y1", "U2", "staff_overload", 1 if ex else 0, staff_d("S3", "2020-03-03", pol)),
        ("10", "y2", "U2", "staff_overload", 2 if ex else 0, staff_d("S3", "2020-03-03", pol)),
    ]
    out = FLAG_HDR
    for line, rid, unit, check, excess, detail in rows:
        dec, note = appeals.get((rid, check), ("", ""))
        out += f"../_appeal/log.csv,{line},{rid},{unit},{check},{excess},{detail},{dec},{note}\n"
    return out


PAY_HDR = ("pool_id,pool_name,unit_id,unit_name,community,county,audited_workload,quality,adjustment,"
           "corrected_workload,weight,payout\n")
UNITS = {"U1": ("一号卫生院", "township"), "U2": ("二号卫生院", "township"), "U3": ("三号卫生室", "station")}


def pay_line(pool, pname, unit, w, weight, payout):
    return f"{pool},{pname},{unit},{UNITS[unit][0]},甲医共体,甲县,{w},1.0000,1.0000,{w},{weight},{payout}\n"


UNITS_HDR = ("unit_id,unit_name,kind,community,county,tier,rows_accepted,rows_flagged,raw_workload,"
             "audited_workload,quality,adjustment,payout\n")


def units_line(u, rows, flagged, raw, aud, pay):
    return f"{u},{UNITS[u][0]},{UNITS[u][1]},甲医共体,甲县,1,{rows},{flagged},{raw},{aud},1.0000,1.0000,{pay}\n"


RUN = "$DG run --scheme " + FIX + "/scheme_{s}.json --out $OUT --no-bom --threads {t} " + FIX + "/log.csv"
TERM = " > $OUT.terminal.txt && grep -E '^(appeals |  [a-z_]+ +[0-9,]+ overturned|budget of|settlement|phs |visit |all )' $OUT.terminal.txt > $OUT/cycle.txt"
PICK = " && python3 " + FIX + "/pick.py $OUT/summary.json {keys} > $OUT/summary_part.json"

def appeals_lines(n, o, u, q, per_check):
    """The terminal block of dg_cli_print_appeals: "appeals" %15s, then one line per check with appeals."""
    out = f"appeals        {n:>15}  ({o} overturned, {u} upheld; {q} quantity restored)\n"
    for check, (co, cu) in per_check:
        out += f"  {check:<21} {co:>9} overturned, {cu} upheld\n"
    return out


def pool_line(pid, budget, paid, price, name):
    return f"{pid:<14} {budget:>18} {paid:>18} {price:>14}  {name}\n"


def settle_line(pid, paid, adv, bal, owe):
    return f"{pid:<14} {paid:>18} {adv:>18} {bal:>18} {owe:>10}\n"


# ---- appeal_review ------------------------------------------------------------------------------
review_appeals = {("r1", "over_patient_day"): ("overturn", '"家访记录: 上午、下午各一次, 均有签字"'),
                  ("r4", "over_patient_period"): ("overturn", ""),
                  ("x2", "staff_overload"): ("uphold", "维持"),
                  ("y1", "over_patient_day"): ("uphold", "")}
write("appeal_review",
      RUN.format(s="review", t=2) + TERM + PICK.format(keys="appeals"),
      "Appeals under `staff_overload: review` — see ../_appeal/README.md, sections 1, 2 and 3.",
      files={
          "flags.csv": flags("review", review_appeals),
          "payouts.csv": PAY_HDR + pay_line("all", "全部服务", "U1", "5.0000", "0.29411765", "29.41")
          + pay_line("all", "全部服务", "U2", "10.0000", "0.58823529", "58.82")
          + pay_line("all", "全部服务", "U3", "2.0000", "0.11764706", "11.77"),
          "units.csv": UNITS_HDR + units_line("U1", 4, 2, "5.0000", "5.0000", "29.41")
          + units_line("U2", 5, 5, "13.0000", "10.0000", "58.82") + units_line("U3", 1, 0, "2.0000", "2.0000", "11.77"),
          "staff.csv": "pool_id,unit_id,staff_id,audited_workload,share,amount\n"
          "all,U1,S1,5.0000,1.00000000,29.41\nall,U2,S2,5.0000,0.50000000,29.41\n"
          "all,U2,S3,5.0000,0.50000000,29.41\nall,U3,S4,2.0000,1.00000000,11.77\n",
          "cycle.txt": appeals_lines(4, 2, 2, 2, [("over_patient_day", (1, 1)), ("over_patient_period", (1, 0)),
                                                  ("staff_overload", (0, 1))])
          + pool_line("all", "100.00", "100.00", "5.8824", "全部服务"),
          "summary_part.json": j({"appeals": {
              "file": "../_appeal/appeals_review.csv", "appeals": 4,
              "by_check": {"over_patient_day": {"overturn": 1, "uphold": 1},
                           "over_patient_period": {"overturn": 1, "uphold": 0},
                           "staff_overload": {"overturn": 0, "uphold": 1}},
              "overturn": 2, "uphold": 2, "quantity_restored": 2, "workload_restored": "2.0000",
              "units": [
                  unit_appeals("U1", 2, 0, 2, "2.0000", "20.00", "29.41", "9.41", "3.0000"),
                  unit_appeals("U2", 0, 2, 0, "0.0000", "66.67", "58.82", "-7.85", "10.0000"),
                  unit_appeals("U3", 0, 0, 0, "0.0000", "13.33", "11.77", "-1.56", "2.0000")]}}),
      })

# ---- appeal_exclude -----------------------------------------------------------------------------
exclude_appeals = {("x1", "staff_overload"): ("overturn", "当日另有护士协助"),
                   ("x1", "over_patient_day"): ("uphold", "超次属实"),
                   ("y1", "over_patient_day"): ("overturn", ""),
                   ("y2", "staff_overload"): ("uphold", "")}
write("appeal_exclude",
      RUN.format(s="exclude", t=1) + TERM + PICK.format(keys="appeals"),
      "Appeals under `staff_overload: exclude` — see ../_appeal/README.md, sections 1, 2 and 4.",
      files={
          "flags.csv": flags("exclude", exclude_appeals),
          "payouts.csv": PAY_HDR + pay_line("all", "全部服务", "U1", "3.0000", "0.50000000", "50.00")
          + pay_line("all", "全部服务", "U2", "1.0000", "0.16666667", "16.67")
          + pay_line("all", "全部服务", "U3", "2.0000", "0.33333333", "33.33"),
          "units.csv": UNITS_HDR + units_line("U1", 4, 2, "5.0000", "3.0000", "50.00")
          + units_line("U2", 5, 5, "13.0000", "1.0000", "16.67") + units_line("U3", 1, 0, "2.0000", "2.0000", "33.33"),
          "staff.csv": "pool_id,unit_id,staff_id,audited_workload,share,amount\n"
          "all,U1,S1,3.0000,1.00000000,50.00\nall,U2,S2,1.0000,1.00000000,16.67\nall,U3,S4,2.0000,1.00000000,33.33\n",
          "cycle.txt": appeals_lines(4, 2, 2, 1, [("over_patient_day", (1, 1)), ("staff_overload", (1, 1))])
          + pool_line("all", "100.00", "100.00", "16.6667", "全部服务"),
          "summary_part.json": j({"appeals": {
              "file": "../_appeal/appeals_exclude.csv", "appeals": 4,
              "by_check": {"over_patient_day": {"overturn": 1, "uphold": 1},
                           "over_patient_period": {"overturn": 0, "uphold": 0},
                           "staff_overload": {"overturn": 1, "uphold": 1}},
              "overturn": 2, "uphold": 2, "quantity_restored": 1, "workload_restored": "1.0000",
              "units": [
                  unit_appeals("U1", 0, 0, 0, "0.0000", "60.00", "50.00", "-10.00", "3.0000"),
                  unit_appeals("U2", 2, 2, 1, "1.0000", "0.00", "16.67", "16.67", "0.0000"),
                  unit_appeals("U3", 0, 0, 0, "0.0000", "40.00", "33.33", "-6.67", "2.0000")]}}),
      })

# ---- appeal_check: `check` applies appeals too --------------------------------------------------
write("appeal_check",
      "$DG check --scheme " + FIX + "/scheme_review.json --out $OUT --no-bom " + FIX + "/log.csv",
      "`dangliang check` applies the appeals (same flags and decisions as appeal_review; "
      "see ../_appeal/README.md, sections 1 and 3): the appeal columns of flags.csv are filled and the terminal "
      "counts them, so an appeals file can be verified before the money run.",
      files={
          "flags.csv": flags("review", review_appeals),
          "stdout": "dangliang check: scheme golden-appeal-review, 1 log file\n"
          + f"rows read      {10:>15}\nrows accepted  {10:>15}\nrows rejected  {0:>15}\n"
          + "check: rows_read = rows_accepted + rows_rejected (10 = 10 + 0) ok\n"
          + f"rows flagged   {7:>15}\n"
          + f"  {'over_patient_day':<21} {3:>9} flags, 4 quantity removed\n"
          + f"  {'over_patient_period':<21} {1:>9} flags, 1 quantity removed\n"
          + f"  {'staff_overload':<21} {5:>9} flags, 0 quantity removed\n"
          + appeals_lines(4, 2, 2, 2, [("over_patient_day", (1, 1)), ("over_patient_period", (1, 0)),
                                       ("staff_overload", (0, 1))])
          + "rejects: $OUT/rejects.csv\nflags: $OUT/flags.csv\n",
      })

# ---- settle_per_capita ---------------------------------------------------------------------------
write("settle_per_capita",
      RUN.format(s="settle", t=2) + TERM + PICK.format(keys="pools.budget,per_capita,population,paid,advanced,balance settlement"),
      "Per-capita budget with fen and settlement against advances — see ../_appeal/README.md, section 5.",
      files={
          "payouts.csv": PAY_HDR + pay_line("phs", "基本公共卫生", "U1", "3.0000", "0.20000000", "1285.28")
          + pay_line("phs", "基本公共卫生", "U2", "10.0000", "0.66666667", "4284.28")
          + pay_line("phs", "基本公共卫生", "U3", "2.0000", "0.13333333", "856.86")
          + pay_line("visit", "门诊", "U2", "8.0000", "0.80000000", "40.00")
          + pay_line("visit", "门诊", "U3", "2.0000", "0.20000000", "10.00"),
          "settlement.csv": "pool_id,unit_id,unit_name,payout,advanced,balance\n"
          "phs,U1,一号卫生院,1285.28,2500.50,-1215.22\n"
          "phs,U2,二号卫生院,4284.28,3000.00,1284.28\n"
          "phs,U3,三号卫生室,856.86,0.00,856.86\n"
          "visit,U2,二号卫生院,40.00,0.00,40.00\n"
          "visit,U3,三号卫生室,10.00,12.00,-2.00\n",
          "cycle.txt": pool_line("phs", "6426.42", "6426.42", "428.4280", "基本公共卫生")
          + pool_line("visit", "50.00", "50.00", "5.0000", "门诊")
          + "budget of phs: 1.07 yuan per capita × 6,006 residents in scope = 6426.42 yuan\n"
          + settle_line("settlement", "paid (yuan)", "advanced (yuan)", "balance (yuan)", "recover")
          + settle_line("phs", "6426.42", "5500.50", "925.92", 1)
          + settle_line("visit", "50.00", "12.00", "38.00", 1),
          "summary_part.json": j({
              "pools": [{"id": "phs", "budget": "6426.42", "per_capita": "1.07", "population": 6006,
                         "paid": "6426.42", "advanced": "5500.50", "balance": "925.92"},
                        {"id": "visit", "budget": "50.00", "per_capita": None, "population": None,
                         "paid": "50.00", "advanced": "12.00", "balance": "38.00"}],
              "settlement": {"file": "../_appeal/advances.csv", "advance_rows": 5, "paid": "6476.42",
                             "advanced": "5512.50", "balance": "963.92", "to_pay": 3, "to_recover": 2,
                             "amount_to_recover": "1217.22"}}),
      })

# ---- configuration errors -------------------------------------------------------------------------
SCHEME = {
    "id": "golden-appeal-error", "period": {"from": "2020-01-01", "to": "2020-12-31"},
    "catalog": FIX + "/catalog.csv", "units": FIX + "/units.csv",
    "checks": {"staff_day_minutes": 30, "staff_overload": "review"},
    "pools": [{"id": "all", "budget": "100.00", "categories": ["public_health", "medical"], "scope": "all"},
              {"id": "visit", "budget": "10.00", "items": ["VISIT"], "scope": {"units": ["U2", "U3"]}}],
}


def err_case(name, why, msg, appeals=None, advances=None, units=None, budget=None, cmd="check"):
    sch = json.loads(json.dumps(SCHEME))
    inputs = {}
    if appeals is not None:
        sch["appeals"] = "appeals.csv"
        inputs["appeals.csv"] = appeals
    if advances is not None:
        sch["advances"] = "advances.csv"
        inputs["advances.csv"] = advances
    if units is not None:
        sch["units"] = "units.csv"
        inputs["units.csv"] = units
    if budget is not None:
        sch["pools"][0]["budget"] = budget
    inputs["scheme.json"] = json.dumps(sch, indent=1, ensure_ascii=False) + "\n"
    c = f"$DG {cmd} --scheme scheme.json " + ("--out $OUT " if cmd == "run" else "") + FIX + "/log.csv"
    write(name, c, f"# {name}\n\n{why}\n\nExpected: exit 3 (configuration error) with the message below, naming the "
          "file, line and (where it applies) column.", exit_code=3, stderr_contains=msg, inputs=inputs)


AH = "record_id,check,decision,note\n"
err_case("e_appeal_no_flag", "z1 (U3, one VISIT of 20 minutes) was not flagged by any check (../_appeal/README.md, "
         "section 1), so an appeal on it has nothing to decide.",
         ["appeals.csv:3:1: record z1 was not flagged by any check"],
         appeals=AH + "r1,over_patient_day,overturn,\nz1,staff_overload,overturn,\n")
err_case("e_appeal_unknown_record", "No accepted row has record_id r9.",
         ["appeals.csv:2:1: record r9 is not an accepted row of this run"],
         appeals=AH + "r9,over_patient_day,overturn,\n")
err_case("e_appeal_other_check", "r1 is flagged by over_patient_day only; the appeal names over_patient_period.",
         ["appeals.csv:2:1: record r1 has no over_patient_period flag (it is flagged by over_patient_day)"],
         appeals=AH + "r1,over_patient_period,overturn,\n")
err_case("e_appeal_duplicate", "Two appeals for (x1, staff_overload), lines 2 and 4.",
         ["appeals.csv:4: record x1 already has an appeal on its staff_overload flag on line 2"],
         appeals=AH + "x1,staff_overload,overturn,\nx1,over_patient_day,uphold,\nx1,staff_overload,uphold,\n")
err_case("e_appeal_bad_check", "`over_day` is not one of the three check names; the check column is column 2.",
         ['appeals.csv:2:2: check "over_day" is not a check name'],
         appeals=AH + "r1,over_day,overturn,\n")
err_case("e_appeal_bad_decision", "`accept` is neither overturn nor uphold; the decision column is column 3.",
         ['appeals.csv:3:3: decision "accept" must be overturn'],
         appeals=AH + "r1,over_patient_day,overturn,\nr4,over_patient_period,accept,\n")
err_case("e_appeal_field_count", "Line 2 has five fields where the header has four (an unquoted comma in the note).",
         ["appeals.csv:2: the row has 5 fields where the header has 4"],
         appeals=AH + "r1,over_patient_day,overturn,签字, 齐全\n")
AVH = "unit_id,pool_id,amount\n"
err_case("e_advance_unknown_unit", "U9 is not in units.csv.",
         ['advances.csv:3:1: unit_id "U9" is not in the units file'],
         advances=AVH + "U1,all,10.00\nU9,all,10.00\n")
err_case("e_advance_unknown_pool", "Pool `phs` does not exist in this scheme (pools: all, visit).",
         ['advances.csv:2:2: pool_id "phs" is not a pool of the scheme (pools: all, visit)'],
         advances=AVH + "U1,phs,10.00\n")
err_case("e_advance_out_of_scope", "Pool `visit` covers U2 and U3 only; U1 is outside its scope.",
         ["advances.csv:2: unit U1 is not in the scope of pool visit"],
         advances=AVH + "U1,visit,10.00\n")
err_case("e_advance_negative", "An advance is money paid out; -5.00 is refused.",
         ['advances.csv:2:3: amount "-5.00" is negative'],
         advances=AVH + "U1,all,-5.00\n")
err_case("e_advance_empty", "The amount may not be empty.",
         ["advances.csv:2:3: amount is empty"],
         advances=AVH + "U1,all,\n")
err_case("e_advance_decimals", "Money has at most 2 decimals; 10.005 is never rounded.",
         ['advances.csv:2:3: amount "10.005" has 3 decimals; at most 2 are allowed'],
         advances=AVH + "U1,all,10.005\n")
UH = "unit_id,unit_name,kind,community,county,tier,tags,population\n"
err_case("e_per_capita_empty_population",
         "Pool `all` is per capita and its scope is every unit; U2 (line 3 of units.csv) has an empty population "
         "(column 8).",
         ["units.csv:3:8: unit U2 has an empty population, but it is in the scope of pools[0] (\"all\"), whose budget "
          "is per capita (scheme.json line 16)"],
         units=UH + "U1,一号卫生院,township,甲医共体,甲县,1,,1001\nU2,二号卫生院,township,甲医共体,甲县,1,,\n"
         "U3,三号卫生室,station,甲医共体,甲县,1,,3003\n",
         budget={"per_capita": "5.00"})
err_case("e_per_capita_too_large",
         "1000000000.00 yuan × 6,006 residents = 6.006 × 10^12 yuan, above the 10^12-yuan budget limit. The budget object starts on line 16 of the generated scheme.json, column 14 (after three spaces and `\"budget\": `).",
         ["scheme.json:16:14: the per-capita budget of pools[0] (\"all\"), 1000000000.00 yuan × 6006 residents, is "
          "above the limit of 10^12 yuan"],
         budget={"per_capita": "1000000000.00"})
err_case("e_per_capita_unknown_key", "`per_head` is not a key of a budget object (a typo must not change a payout).",
         ['unknown key "per_head" in pools[0] ("all").budget'],
         budget={"per_head": "5.00"})
err_case("e_per_capita_decimals", "A per-capita rate is yuan with at most 2 decimals.",
         ['pools[0] ("all").budget.per_capita "5.005" has 3 decimals; at most 2 are allowed'],
         budget={"per_capita": "5.005"})

# ---- explain shows the appeals of a unit -------------------------------------------------------------
write("explain_appeals",
      RUN.format(s="exclude", t=2).replace("--out $OUT", "--out $OUT/run") + " > /dev/null && "
      "$DG explain --run $OUT/run --unit U2 | sed -n '/^Appeals/,/^$/p' && "
      "$DG explain --run $OUT/run --unit U1 --format json | python3 -c 'import json,sys; "
      "print(json.dumps(json.load(sys.stdin)[\"appeals\"], ensure_ascii=False, indent=1))'",
      "`dangliang explain` on the appeal_exclude run (../_appeal/README.md, section 4): U2's four appealed "
      "flags with their decisions and notes, the quantity (1) and workload (1.0000) restored, the payout without "
      "the appeals (0.00) and with them (16.67); then U1 in JSON: no appeal on its flags, but its payout moved "
      "60.00 → 50.00 because U2's appeals enlarged ΣC.",
      files={"stdout":
             "Appeals (申诉, ../_appeal/appeals_exclude.csv; decided after the checks, which are not re-run)\n"
             "  2 overturned, 2 upheld (flags.csv, appeal column):\n"
             "    x1           over_patient_day     excess 2     uphold  超次属实\n"
             "    x1           staff_overload       excess 1     overturn  当日另有护士协助\n"
             "    y1           over_patient_day     excess 1     overturn\n"
             "    y2           staff_overload       excess 2     uphold\n"
             "  quantity restored 1, workload restored 1.0000 (W above is after the appeals)\n"
             "  payout without the appeals 0.00 yuan, with them 16.67 yuan: change 16.67 yuan\n"
             "    pool all            W without appeals 0.0000, restored 1.0000; payout without 0.00, change 16.67\n"
             "  (a change can come from other units' appeals: the pool's budget is fixed)\n"
             "\n"
             + j({"file": "../_appeal/appeals_exclude.csv", "overturn": 0, "uphold": 0, "flags": [], "moved": True,
                  "quantity_restored": 0, "workload_restored": "0.0000", "payout_without_appeals": "60.00",
                  "payout": "50.00", "payout_change": "-10.00",
                  "pools": [{"pool_id": "all", "workload_without_appeals": "3.0000", "workload_restored": "0.0000",
                             "payout_without_appeals": "60.00", "payout_change": "-10.00"}]})})
