"""scripts/ensure_chromium.sh, which `make test` runs first: on a fresh Debian machine the
browser tests' Chromium is installed when root (as CI is), otherwise nothing runs and the one
command to run is printed. Fake `id` and `apt-get` stand in for the system's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure_chromium.sh"


def run(tmp_path: Path, uid: int, chromium_path: str | None = None):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    default = tmp_path / "usr-bin-chromium"
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "apt-get").write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n'
        f'if [ "$1" = install ]; then printf "#!/bin/sh\\n" > {default}; '
        f"chmod +x {default}; fi\n")
    for tool in ("id", "apt-get"):
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    if chromium_path is not None:
        env["CHROMIUM_PATH"] = chromium_path
    result = subprocess.run(["sh", str(SCRIPT), str(default)], env=env, capture_output=True,
                            text=True, timeout=60)
    log = tmp_path / "apt.log"
    return result, log.read_text() if log.exists() else "", default


def test_as_root_it_installs_debians_chromium(tmp_path) -> None:
    result, apt, default = run(tmp_path, uid=0)
    assert result.returncode == 0, result.stderr
    assert apt.splitlines() == ["update", "install -y chromium"]
    assert os.access(default, os.X_OK)
    again, apt_again, _ = run(tmp_path, uid=0)  # installed: nothing more to do
    assert again.returncode == 0 and apt_again == apt


def test_otherwise_it_stops_with_the_one_command_to_run(tmp_path) -> None:
    result, apt, _ = run(tmp_path, uid=1000)
    assert result.returncode == 1
    assert apt == ""
    assert "Run: sudo apt-get install -y chromium" in result.stderr
    assert "CHROMIUM_PATH" in result.stderr


def test_chromium_path_overrides_and_must_be_an_executable(tmp_path) -> None:
    browser = tmp_path / "chrome"
    browser.write_text("#!/bin/sh\n")
    result, _, _ = run(tmp_path, uid=1000, chromium_path=str(browser))
    assert result.returncode == 1
    assert f"CHROMIUM_PATH={browser} is not an executable file" in result.stderr
    browser.chmod(0o755)
    result, apt, _ = run(tmp_path, uid=0, chromium_path=str(browser))
    assert result.returncode == 0 and apt == ""


def test_make_test_and_test_all_check_chromium_before_anything_else() -> None:
    for target in ("test", "test-all"):
        # Under `make test` itself, a nested make would print "Entering directory" first.
        env = {key: value for key, value in os.environ.items()
               if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
        plan = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=ROOT,
                              capture_output=True, text=True, timeout=60,
                              env=env).stdout.splitlines()
        assert plan[0] == "scripts/ensure_chromium.sh", (target, plan[:3])
