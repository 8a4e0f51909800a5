"""Writes one golden case folder (tests/golden/run.sh reads it): `cmd`, an
optional README.md, and under expected/ the stdout, exit code, stderr
substrings and output files the case must produce; `inputs` are files
written beside `cmd`.  Shared by the _make_*_cases.py generators."""


def write_case(root, case, cmd, readme=None, stdout=None, exit_code=None, stderr_contains=None, files=None,
               inputs=None):
    d = root / case
    (d / "expected").mkdir(parents=True, exist_ok=True)
    (d / "cmd").write_text(cmd + "\n")
    if readme is not None:
        (d / "README.md").write_text(readme.strip() + "\n")
    if stdout is not None:
        (d / "expected" / "stdout").write_text(stdout)
    if exit_code is not None:
        (d / "expected" / "exit").write_text(f"{exit_code}\n")
    if stderr_contains is not None:
        (d / "expected" / "stderr_contains").write_text("".join(s + "\n" for s in stderr_contains))
    for name, text in (files or {}).items():
        (d / "expected" / name).write_text(text)
    for name, text in (inputs or {}).items():
        (d / name).write_text(text)
