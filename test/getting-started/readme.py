"""Checks that every command and SQL block of README.md is one the tests run,
and that every file of sql/ says what it shows and is run.

- A ```sql block is the whole text of a file under sql/ that bin/demo or
  test/getting-started/run runs.
- The ```ini block is etc/mysql/freshet.cnf, the file bin/mysql starts every
  test server with (bin/mysql smoke-test checks the servers' settings).
- Each line of a ```sh block is a command the tests run: bin/test (CI runs
  it), bin/freshet and bin/demo (test/getting-started/run), the psql and
  bin/mysql commands bin/demo printed in this run (given with
  --demo-output, its port in place of 6875), or `docker compose up`, which
  cannot run without a Docker engine: for it, docker-compose.yml is checked to
  use the same MySQL settings and demo files.

Usage: python3 test/getting-started/readme.py --demo-output FILE --port PORT
"""

import argparse
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def blocks(text):
    """The fenced blocks of a Markdown text: (language, body) pairs."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-output", required=True, type=pathlib.Path)
    parser.add_argument("--port", required=True)
    args = parser.parse_args()
    readme = (REPO / "README.md").read_text()
    printed = {line.strip() for line in args.demo_output.read_text().splitlines() if line.startswith("  ")}
    runners = (REPO / "bin/demo").read_text() + (REPO / "test/getting-started/run").read_text()
    sql_files = {p: p.read_text() for p in sorted((REPO / "sql").rglob("*.sql"))}
    failures = []

    def check(ok, what):
        print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            failures.append(what)

    for language, body in blocks(readme):
        first = body.splitlines()[0] if body else ""
        if language == "sql":
            matches = [p for p, text in sql_files.items() if text == body]
            check(len(matches) == 1, f"README sql block '{first[:60]}' is a file of sql/")
            for path in matches:
                rel = path.relative_to(REPO).as_posix()
                check(rel in runners, f"{rel} is run by bin/demo or test/getting-started/run")
        elif language == "ini":
            check(body == (REPO / "etc/mysql/freshet.cnf").read_text(), "README ini block is etc/mysql/freshet.cnf")
        elif language == "sh":
            for line in body.splitlines():
                command = line.split("#", 1)[0].strip()
                if not command:
                    continue
                if command in ("bin/test",):
                    ci = (REPO / ".ci/run").read_text()
                    check("exec bin/test" in ci, f"'{command}': CI runs it (.ci/run)")
                elif command in ("bin/freshet", "bin/demo"):
                    check(command in runners, f"'{command}': test/getting-started/run runs it")
                elif command.startswith("psql ") or command.startswith("bin/mysql "):
                    ours = command.replace("-p 6875", f"-p {args.port}")
                    check(ours in printed, f"'{command}': bin/demo printed it and the tests ran it")
                elif command == "docker compose up":
                    check_compose(check)
                else:
                    check(False, f"README command '{command}' is run by no test")
        elif language == "text":
            continue
        else:
            check(False, f"README block of language '{language}' ('{first[:40]}') is checked by nothing")

    for path, text in sql_files.items():
        rel = path.relative_to(REPO).as_posix()
        check(
            text.startswith("-- ") and not text.splitlines()[1].startswith("--") and rel in runners,
            f"{rel} opens with a one-line comment and a test runs it",
        )

    if failures:
        sys.exit(f"readme: {len(failures)} check(s) failed")


def check_compose(check):
    """docker-compose.yml: MySQL 8.4 with etc/mysql/freshet.cnf and the demo's
    files, at the ports bin/demo and sql/demo use by default."""
    compose = (REPO / "docker-compose.yml").read_text()
    demo = (REPO / "bin/demo").read_text()
    wants = {
        "MySQL 8.4": "image: mysql:8.4",
        "the option file of the tests": "./etc/mysql/freshet.cnf:/etc/mysql/conf.d/freshet.cnf:ro",
        "the shop's schema": "./sql/demo/mysql/schema.sql:/docker-entrypoint-initdb.d/1-schema.sql:ro",
        "the shop's rows": "./sql/demo/mysql/seed.sql:/docker-entrypoint-initdb.d/2-seed.sql:ro",
        "Freshet's MySQL user": "./sql/demo/mysql/user.sql:/docker-entrypoint-initdb.d/3-user.sql:ro",
        "the load of bin/demo": '"/freshet/bin/demo", "load"',
        "MySQL on the demo's port": '"--port=3316"',
        "Freshet on the demo's port": '"127.0.0.1:6875"',
        "the demo's Freshet files": "for f in source views indexes",
    }
    for what, text in wants.items():
        check(text in compose, f"docker-compose.yml: {what} ({text})")
    check("mysql_port=3316" in demo and "port=6875" in demo, "bin/demo's default ports are docker-compose.yml's")
    check(
        "sql/demo/mysql/schema.sql sql/demo/mysql/seed.sql sql/demo/mysql/user.sql" in demo and "run_sql sql/demo/freshet/source.sql" in demo
        and "run_sql sql/demo/freshet/views.sql" in demo and "run_sql sql/demo/freshet/indexes.sql" in demo,
        "bin/demo runs the files docker-compose.yml runs",
    )
    # The MySQL settings come from the option file alone: no mysqld option
    # in the compose file overrides one of them.
    settings = [
        line.split("=")[0].strip()
        for line in (REPO / "etc/mysql/freshet.cnf").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    ]
    for setting in settings:
        flag = "--" + setting.replace("_", "-")
        check(flag not in compose and f"--{setting}" not in compose, f"docker-compose.yml leaves {setting} to the option file")


if __name__ == "__main__":
    main()
