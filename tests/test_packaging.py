"""The packaging files agree with each other and with the code (no build is run here)."""

from __future__ import annotations

import configparser
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from binder.core import resources

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "binder.spec"
APP_ID = "io.github.incidentbinder.IncidentBinder"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Where the metainfo's screenshot URLs point: docs/screenshots/ of this repository.
SCREENSHOT_URL = "https://raw.githubusercontent.com/incidentbinder/incident-binder/main/docs/screenshots/"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def spec_executables() -> set[str]:
    return set(re.findall(r'EXE\(.*?name="([^"]+)"', SPEC.read_text(encoding="utf-8"), re.S))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_spec_builds_a_console_and_a_windowless_executable():
    assert spec_executables() == {"binder", "binder-gui"}


def test_desktop_entry_launches_the_windowless_executable_with_an_existing_icon():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    program = entry["Exec"].split()[0]
    assert program in spec_executables()
    assert entry["TryExec"] == program
    assert entry["Terminal"] == "false"
    # Installed under the application id (docs/PACKAGING.md) from resources/icons/.
    assert entry["Icon"] == APP_ID
    for size in ICON_SIZES:
        path = ICONS / f"incident-binder-{size}.png"
        assert path.is_file(), f"missing icon {path.name}"
        assert png_size(path) == (size, size), f"{path.name} is not {size}x{size}"


def test_windows_and_macos_icons_exist_and_are_the_ones_the_spec_uses():
    spec = SPEC.read_text(encoding="utf-8")
    for name in ("incident-binder.ico", "incident-binder.icns"):
        assert (ICONS / name).stat().st_size > 1000
        assert name in spec
    # An .ico starts with reserved=0, type=1 (icon), then the number of images.
    reserved, kind, count = struct.unpack("<HHH", (ICONS / "incident-binder.ico").read_bytes()[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    assert (ICONS / "incident-binder.icns").read_bytes()[:4] == b"icns"


def test_metainfo_names_the_desktop_file_icon_executables_and_current_version():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == METAINFO.name.removesuffix(".metainfo.xml")
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("icon[@type='stock']") == desktop_entry()["Icon"]
    assert {b.text for b in root.iter("binary")} == spec_executables()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert root.find("releases/release").get("version") == version


def test_one_application_id_everywhere():
    """The .desktop file, the AppStream id, the macOS bundle id and the running app agree."""
    from binder.ui import app

    assert app.APP_ID == APP_ID
    assert re.search(rf'^APP_ID = "{re.escape(APP_ID)}"$', SPEC.read_text(encoding="utf-8"), re.M)
    assert ET.parse(METAINFO).getroot().findtext("id") == APP_ID
    assert sorted(p.name for p in PACKAGING.glob("*.desktop")) == [DESKTOP.name]
    assert sorted(p.name for p in PACKAGING.glob("*.metainfo.xml")) == [METAINFO.name]


def test_metainfo_screenshots_are_the_docs_screenshots():
    shots = ET.parse(METAINFO).getroot().findall("screenshots/screenshot")
    assert len(shots) >= 3
    assert [s.get("type") for s in shots].count("default") == 1
    for shot in shots:
        assert shot.findtext("caption").strip()
        image = shot.find("image")
        url = image.text.strip()
        assert url.startswith(SCREENSHOT_URL), url
        path = SCREENSHOTS / url.removeprefix(SCREENSHOT_URL)
        assert path.is_file(), f"{url} names no file in docs/screenshots"
        assert png_size(path) == (int(image.get("width")), int(image.get("height")))


def test_frozen_app_finds_resources_where_the_spec_puts_them(monkeypatch, tmp_path):
    # The spec copies resources/ to <bundle>/resources; PyInstaller sets sys._MEIPASS to the bundle.
    assert re.search(r'\(str\(ROOT / "resources"\), "resources"\)', SPEC.read_text(encoding="utf-8"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"


def test_launcher_runs_the_command_line():
    proc = subprocess.run([sys.executable, str(PACKAGING / "launch.py"), "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("binder, version ")


def validator(name: str, package: str) -> str:
    """A packaging validator; `make test` installs it (Makefile DEBS), so it never skips."""
    path = shutil.which(name)
    assert path, f"{name} is missing: install the Debian package {package} (`make test` does)"
    return path


def test_desktop_file_validates():
    proc = subprocess.run([validator("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout


def test_metainfo_validates():
    proc = subprocess.run([validator("appstreamcli", "appstream"), "validate", "--no-net",
                           str(METAINFO)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_windowless_executable_opens_the_app_unless_given_a_command():
    import importlib.util

    spec = importlib.util.spec_from_file_location("launch", PACKAGING / "launch.py")
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    gui, console = "/opt/binder/binder-gui.exe", "/opt/binder/binder"
    assert launch.command_line(gui, []) == ["gui"]
    assert launch.command_line(gui, ["--screenshot", "a.png"]) == ["gui", "--screenshot", "a.png"]
    assert launch.command_line(gui, ["self-test"]) == ["self-test"]
    assert launch.command_line(gui, ["--version"]) == ["--version"]
    assert launch.command_line(console, []) == []
    assert launch.command_line(console, ["--screenshot", "a.png"]) == ["--screenshot", "a.png"]
