#!/usr/bin/env python3
"""Write the configuration-error golden cases of the person registry and the
computed quality indicators (qe_*): one folder per error, each with a small
scheme.json (and registry.csv when the registry is the point) next to the
shared inputs in ../_qual, the expected exit code 3 and the message lines
the error must contain.  Run from tests/golden: python3 _make_quality_cases.py

The expected messages are written here by hand: each names the file, the
line (and for the registry the column) and says how to fix the problem."""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

REG_OK = ("person_id,unit_id,htn,signed\n"
          "P01,U1,1,1\n"
          "P02,U2,0,1\n")

HTN = {"id": "htn_managed", "name": "高血压患者规范管理率", "weight": 30, "target": "0.60", "better": "higher",
       "compute": {"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "min": 4, "quarters": 4}}}
SIGN = {"id": "signing_rate", "name": "家庭医生签约覆盖率", "weight": 20, "target": "0.40", "better": "higher",
        "compute": {"of": "population", "count": ["signed"]}}
WAIT = {"id": "wait_days", "name": "平均预约等待天数", "weight": 20, "target": "2.0", "better": "lower"}


def scheme(indicators, registry="registry.csv", period=("2020-01-01", "2020-12-31"), missing="error",
           indicators_file=None, units="../_qual/units.csv"):
    s = {"id": "golden-quality-error", "period": {"from": period[0], "to": period[1]},
         "catalog": "../_qual/catalog.csv", "units": units}
    if indicators_file:
        s["indicators"] = indicators_file
    if registry:
        s["registry"] = registry
    s["quality"] = {"indicators": indicators, "missing": missing}
    s["pools"] = [{"id": "phs", "name": "基本公共卫生服务经费", "budget": "1000.00",
                   "categories": ["public_health"], "scope": "all"}]
    return json.dumps(s, ensure_ascii=False, indent=2) + "\n"


def case(name, what, why, files, contains, cmd=None):
    d = HERE / name
    (d / "expected").mkdir(parents=True, exist_ok=True)
    for f, text in files.items():
        if isinstance(text, bytes):
            (d / f).write_bytes(text)
        else:
            (d / f).write_text(text)
    (d / "cmd").write_text((cmd or "$DG run --scheme scheme.json --out $OUT --no-bom ../_qual/log.csv") + "\n")
    (d / "expected" / "exit").write_text("3\n")
    (d / "expected" / "stderr_contains").write_text("".join(c + "\n" for c in contains))
    (d / "README.md").write_text(f"# {name} — {what}\n\n{why}\n\nThe run stops before reading any log row with exit "
                                 f"code 3 (configuration) and a message naming the file and line"
                                 f"{' and column' if 'registry.csv:' in contains[0] else ''}; expected/stderr_contains "
                                 f"holds the lines it must contain.\n")


def main():
    # ---- the registry file -------------------------------------------------------
    case("qe_reg_flag_absent", "a flag the scheme names is not a registry column",
         "The scheme's htn_managed counts persons with flag `htn`; registry.csv has only `signed`. The header is "
         "line 1 with 3 columns; the column reported is the next one (4), where `htn` would go.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,signed\nP01,U1,1\n"},
         ["registry.csv:1:4: flag column \"htn\" is named by a computed quality indicator of the scheme but is "
          "missing from the registry header"])
    case("qe_reg_flag_value", "a flag value other than 1, 0 or empty",
         "Line 3 has `yes` in column 3 (htn). Only 1, 0 or empty (= 0) are flag values.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed\nP01,U1,1,1\nP02,U1,yes,0\n"},
         ["registry.csv:3:3: flag htn is \"yes\"; a registry flag must be 1, 0 or empty (empty = 0)"])
    case("qe_reg_person_empty", "an empty person_id",
         "Line 3 has an empty person_id (column 1).",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed\nP01,U1,1,1\n,U1,0,1\n"},
         ["registry.csv:3:1: person_id is empty"])
    case("qe_reg_person_dup", "a person registered twice",
         "P01 is on lines 2 and 4 (column 1). A person belongs to exactly one unit.",
         {"scheme.json": scheme([HTN, SIGN]),
          "registry.csv": "person_id,unit_id,htn,signed\nP01,U1,1,1\nP02,U1,0,1\nP01,U2,0,0\n"},
         ["registry.csv:4:1: person_id \"P01\" is already registered on line 2"])
    case("qe_reg_unknown_unit", "a unit_id that is not in units.csv",
         "Line 2 names unit U9 (column 2); units.csv has U1 and U2.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed\nP01,U9,1,1\n"},
         ["registry.csv:2:2: unit_id \"U9\" is not in the units file"])
    case("qe_reg_field_count", "a row with a wrong number of fields",
         "Line 3 has 5 fields where the header has 4; the first extra field is column 5.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed\nP01,U1,1,1\nP02,U1,0,1,1\n"},
         ["registry.csv:3:5: the row has 5 fields where the header has 4"])
    case("qe_reg_dup_header", "a column named twice in the header",
         "`htn` is both column 3 and column 5 of the header (line 1).",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed,htn\nP01,U1,1,1,1\n"},
         ["registry.csv:1:5: column \"htn\" appears twice in the registry header"])
    case("qe_reg_no_person_column", "the header lacks person_id",
         "The first column is called `pid`; the registry is read by header name.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "pid,unit_id,htn,signed\nP01,U1,1,1\n"},
         ["registry.csv:1: required column \"person_id\" is missing from the registry header"])
    case("qe_reg_unused_still_checked", "the registry is checked even when no indicator uses it",
         "The scheme has only a given indicator (wait_days) but names registry.csv, whose line 3 repeats P01. "
         "A registry that is named is always validated, so a broken file cannot wait silently for the day an "
         "indicator starts using it.",
         {"scheme.json": scheme([WAIT], indicators_file="../_qual/indicators.csv"),
          "registry.csv": "person_id,unit_id\nP01,U1\nP01,U2\n"},
         ["registry.csv:3:1: person_id \"P01\" is already registered on line 2"])
    case("qe_no_registry", "a computed indicator without a registry",
         "htn_managed has a compute rule but the scheme names no registry (scheme.json line 17, where the `compute` "
         "object starts).",
         {"scheme.json": scheme([HTN], registry=None)},
         ["scheme.json:17:", "indicator \"htn_managed\" is computed but the scheme names no person registry"])
    # ---- the compute rule ----------------------------------------------------------
    bad = dict(HTN, compute={"services": {"items": ["PH-HTN-FU"]}})
    case("qe_compute_no_of", "compute without \"of\"",
         "`of` is required: it says who is in the denominator.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:18:", "quality.indicators[0].compute has no \"of\""])
    bad = dict(SIGN, compute={"of": "people", "count": ["signed"]})
    case("qe_compute_of_text", "\"of\" is neither \"population\" nor a flag list",
         "`\"of\": \"people\"` — the only text value is \"population\".",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:19:", "quality.indicators[0].compute.of \"people\" must be \"population\""])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"min": 4}})
    case("qe_services_no_items", "services without items or categories",
         "A services rule must say which services count.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "quality.indicators[0].compute.services needs \"items\" and/or \"categories\""])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-XYZ-*"]}})
    case("qe_services_no_match", "an item pattern that matches no catalog code",
         "PH-XYZ-* matches nothing in ../_qual/catalog.csv (PH-HTN-FU, PH-DM-FU, MED-VISIT).",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "item pattern \"PH-XYZ-*\" in quality.indicators[0].compute.services.items matches no "
          "item code"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-*-FU"]}})
    case("qe_services_star_inside", "'*' inside an item pattern",
         "A '*' may only end a pattern, as in pools.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "has '*' before its end"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": []}})
    case("qe_services_empty_list", "an empty items list",
         "An empty list is an error (remove the key instead), as in pools.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "services.items is an empty list"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"categories": ["public_heath"]}})
    case("qe_services_bad_category", "a category that no catalog row uses",
         "`public_heath` is a typo of public_health; the message suggests the right name.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "category \"public_heath\" in quality.indicators[0].compute.services.categories is used by "
          "no row", "did you mean \"public_health\""])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "min": 0}})
    case("qe_services_min_zero", "min below 1",
         "min is a number of services, at least 1.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "services.min \"0\" must be at least 1"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "quarters": 5}})
    case("qe_services_quarters_5", "quarters above 4",
         "quarters is 1–4.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "services.quarters \"5\" must be at most 4"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "quarters": 3}})
    case("qe_services_quarters_period", "more quarters than the period overlaps",
         "The period 2020-01-01 .. 2020-06-30 overlaps 2 calendar quarters, so quarters 3 can never be met.",
         {"scheme.json": scheme([bad], period=("2020-01-01", "2020-06-30")), "registry.csv": REG_OK},
         ["scheme.json:", "services.quarters is 3 but the period overlaps only 2 calendar quarters"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"]}, "denominator": "all"})
    case("qe_compute_unknown_key", "an unknown key in compute",
         "Unknown keys are errors so that a typo cannot change a payout silently.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "unknown key \"denominator\" in quality.indicators[0].compute"])
    bad = dict(SIGN, compute={"of": ["htn", "htn"], "count": ["signed"]})
    case("qe_compute_flag_twice", "a flag listed twice",
         "`htn` appears twice in `of`.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "flag \"htn\" appears twice in quality.indicators[0].compute.of"])
    case("qe_missing_value", "an unknown \"missing\" policy",
         "missing must be error, zero or skip.",
         {"scheme.json": scheme([SIGN], missing="drop"), "registry.csv": REG_OK},
         ["scheme.json:", "quality.missing \"drop\" must be \"error\", \"zero\" or \"skip\""])
    units_empty_pop = ("unit_id,unit_name,kind,community,county,tier,tags,population\n"
                       "U1,定海区城东街道社区卫生服务中心,center,定海区医共体,定海区,1,,24\n"
                       "U2,定海区金塘镇卫生院,township,定海区医共体,定海区,1,,\n")
    case("qe_population_empty", "\"of\": \"population\" and a paid unit without population",
         "U2 (units.csv line 3) is paid by pool phs but its population is empty; 0 would be allowed.",
         {"scheme.json": scheme([SIGN], units="units.csv"), "registry.csv": REG_OK, "units.csv": units_empty_pop},
         ["units.csv:3: unit U2 has an empty population, but indicator \"signing_rate\" is computed"])
    case("qe_row_for_computed", "a row in indicators.csv for a computed indicator",
         "indicators.csv line 3 gives htn_managed for U1, but htn_managed is computed; even an empty value is an "
         "error (line 2, wait_days, is fine).",
         {"scheme.json": scheme([HTN, WAIT], indicators_file="indicators.csv"), "registry.csv": REG_OK,
          "indicators.csv": "unit_id,indicator,value\nU1,wait_days,1.5\nU1,htn_managed,\n"},
         ["indicators.csv:3: indicator \"htn_managed\" is computed from the registry and the logs"])

    # ---- more of the registry file ---------------------------------------------------
    case("qe_reg_no_unit_column", "the header lacks unit_id",
         "The second column is called `unit`; the registry is read by header name, so unit_id is missing (line 1).",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit,htn,signed\nP01,U1,1,1\n"},
         ["registry.csv:1: required column \"unit_id\" is missing from the registry header"])
    case("qe_reg_empty", "an empty registry file",
         "registry.csv has no bytes at all: not even the header.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": ""},
         ["registry.csv:1: the registry is empty; its first line must be the header person_id,unit_id"])
    case("qe_reg_bad_quote", "a malformed CSV row",
         "Line 3 has a quote inside an unquoted field (`P\"02`); the §1 CSV rules apply to the registry.",
         {"scheme.json": scheme([HTN, SIGN]), "registry.csv": "person_id,unit_id,htn,signed\nP01,U1,1,1\nP\"02,U1,0,1\n"},
         ["registry.csv:3: quote inside an unquoted field; wrap a field holding commas, quotes or line breaks in "
          "\"...\""])
    case("qe_reg_not_utf8", "a registry that is not UTF-8",
         "Line 3 holds the byte 0xFF (e.g. a file saved as GBK); the registry must be UTF-8, and the whole file is "
         "checked before any row is read.",
         {"scheme.json": scheme([HTN, SIGN]),
          "registry.csv": b"person_id,unit_id,htn,signed\nP01,U1,1,1\nP\xff02,U1,0,1\n"},
         ["registry.csv:3: the file is not valid UTF-8 here; save the registry as UTF-8"])
    # ---- more of the compute rule --------------------------------------------------
    bad = dict(SIGN, compute="population")
    case("qe_compute_not_object", "compute is not an object",
         "`\"compute\": \"population\"` — compute must be an object such as {\"of\": \"population\", ...}.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "quality.indicators[0].compute must be an object, not a string"])
    bad = dict(SIGN, compute={"of": "population", "count": "signed"})
    case("qe_compute_count_not_list", "count is not a list",
         "`count` is a list of flags, even for one flag: [\"signed\"].",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "quality.indicators[0].compute.count must be an array, not a string"])
    bad = dict(HTN, compute={"of": [""], "services": {"items": ["PH-HTN-FU"]}})
    case("qe_compute_flag_empty", "an empty flag name",
         "`\"of\": [\"\"]` names no flag column.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "quality.indicators[0].compute.of[0] is an empty string; name a flag column of the registry"])
    bad = dict(HTN, compute={"of": ["htn"], "services": ["PH-HTN-FU"]})
    case("qe_services_not_object", "services is not an object",
         "`services` is an object with items/categories, min and quarters, not a list of items.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "quality.indicators[0].compute.services must be an object, not an array"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "quarters": 0}})
    case("qe_services_quarters_zero", "quarters below 1",
         "quarters is 1–4 (leave it out for no quarter rule).",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "services.quarters \"0\" must be at least 1"])
    bad = dict(HTN, compute={"of": ["htn"], "services": {"items": ["PH-HTN-FU"], "min": "2.5"}})
    case("qe_services_min_fraction", "min is not a whole number",
         "min counts services (a row of quantity 2 is two services), so it is a whole number.",
         {"scheme.json": scheme([bad]), "registry.csv": REG_OK},
         ["scheme.json:", "services.min \"2.5\" must be a whole number"])
    many = [dict(SIGN, id=f"i{k}", compute={"of": "population", "count": [f"f{k}"]}) for k in range(33)]
    case("qe_too_many_flags", "more than 32 registry flags",
         "33 indicators each count a different flag f0 … f32; flags are bits of one 32-bit word per person.",
         {"scheme.json": scheme(many), "registry.csv": REG_OK},
         ["scheme.json:", "the scheme names more than 32 registry flags; at most 32 are supported"])


if __name__ == "__main__":
    main()
