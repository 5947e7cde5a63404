"""The instance folder, root paths and opening resources."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pytest

from asyncflask import Blueprint, Flask, current_app
from asyncflask.instance import find_package

APP_SOURCE = "from asyncflask import Flask\napp = Flask(__name__)\n"


@pytest.fixture
def purge_module() -> Iterator[Callable[[str], None]]:
    names: list[str] = []

    def purge(name: str) -> None:
        names.append(name)
        sys.modules.pop(name, None)

    yield purge
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def modules_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "modules"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake installation prefix with a site-packages folder on sys.path."""
    prefix = tmp_path / "prefix"
    folder = prefix / "lib" / "python3" / "site-packages"
    folder.mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_explicit_instance_path_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        Flask(__name__, instance_path="instance")
    app = Flask(__name__, instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)


def test_module_app_keeps_instance_beside_the_module(
    modules_path: Path, purge_module: Callable[[str], None]
) -> None:
    (modules_path / "af_config_module_app.py").write_text(APP_SOURCE)
    purge_module("af_config_module_app")
    from af_config_module_app import app  # type: ignore[import-not-found]

    assert app.instance_path == str(modules_path / "instance")
    assert app.root_path == str(modules_path)


def test_package_app_keeps_instance_beside_the_package(
    modules_path: Path, purge_module: Callable[[str], None]
) -> None:
    package = modules_path / "af_config_package_app"
    package.mkdir()
    (package / "__init__.py").write_text(APP_SOURCE)
    (package / "views.py").write_text(APP_SOURCE)
    purge_module("af_config_package_app")
    purge_module("af_config_package_app.views")
    from af_config_package_app import app  # type: ignore[import-not-found]
    from af_config_package_app.views import app as views_app  # type: ignore[import-not-found]

    assert app.instance_path == str(modules_path / "instance")
    assert app.root_path == str(package)
    assert views_app.instance_path == str(modules_path / "instance")


def test_namespace_package_uses_the_right_portion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, purge_module: Callable[[str], None]
) -> None:
    def portion(package: str) -> Path:
        project = tmp_path / f"project-{package}"
        monkeypatch.syspath_prepend(str(project))
        folder = project / "af_namespace" / package
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text(APP_SOURCE)
        return project

    portion("package1")
    project2 = portion("package2")
    purge_module("af_namespace.package2")
    purge_module("af_namespace")
    from af_namespace.package2 import app  # type: ignore[import-not-found]

    assert app.instance_path == str(project2 / "instance")


def test_installed_module_uses_prefix_var(
    site_packages: Path, purge_module: Callable[[str], None]
) -> None:
    (site_packages / "af_site_app.py").write_text(APP_SOURCE)
    purge_module("af_site_app")
    from af_site_app import app  # type: ignore[import-not-found]

    prefix = site_packages.parent.parent.parent
    assert app.instance_path == str(prefix / "var" / "af_site_app-instance")


def test_installed_package_uses_prefix_var(
    site_packages: Path, purge_module: Callable[[str], None]
) -> None:
    package = site_packages / "af_site_package"
    package.mkdir()
    (package / "__init__.py").write_text(APP_SOURCE)
    purge_module("af_site_package")
    import af_site_package  # type: ignore[import-not-found]

    prefix = site_packages.parent.parent.parent
    assert af_site_package.app.instance_path == str(prefix / "var" / "af_site_package-instance")


def test_package_below_the_prefix_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, purge_module: Callable[[str], None]
) -> None:
    prefix = tmp_path / "venv"
    installed = prefix / "path"
    (installed / "af_installed_package").mkdir(parents=True)
    (installed / "af_installed_package" / "__init__.py").write_text(APP_SOURCE)
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.syspath_prepend(str(installed))
    purge_module("af_installed_package")
    from af_installed_package import app  # type: ignore[import-not-found]

    assert app.instance_path == str(prefix / "var" / "af_installed_package-instance")


@pytest.mark.parametrize(
    "layout", ["lib/site-packages", "lib/python3.12/site-packages", "site-packages"]
)
def test_site_packages_layouts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    purge_module: Callable[[str], None],
    layout: str,
) -> None:
    root = tmp_path / "elsewhere"
    folder = root / layout
    folder.mkdir(parents=True)
    (folder / "af_layout_mod.py").write_text("")
    monkeypatch.syspath_prepend(str(folder))
    purge_module("af_layout_mod")
    assert find_package("af_layout_mod") == (str(root), str(folder))


def test_unknown_import_name_uses_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    app = Flask("af_this_module_does_not_exist")
    assert app.instance_path == str(tmp_path / "instance")


def test_main_script_root_and_instance_paths(tmp_path: Path) -> None:
    script = tmp_path / "serve.py"
    script.write_text(
        textwrap.dedent(
            """
            from asyncflask import Flask
            app = Flask(__name__)
            print(app.name)
            print(app.root_path)
            print(app.instance_path)
            """
        )
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout.splitlines()
    assert out == ["serve", str(tmp_path), str(elsewhere / "instance")]


# -- instance-relative config and resources -------------------------------------------------


def test_instance_relative_config_reads_from_the_instance_folder(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'from-instance'\n")
    app = Flask("af_instance_cfg", instance_path=str(instance), instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev_key")
    assert app.config.from_pyfile("config.py", silent=True)
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config.root_path == str(instance)
    assert not app.config.from_pyfile("missing.py", silent=True)


def test_config_is_root_relative_by_default(tmp_path: Path) -> None:
    (tmp_path / "settings.cfg").write_text("WHERE = 'root'\n")
    app = Flask("af_root_cfg", root_path=str(tmp_path))
    app.config.from_pyfile("settings.cfg")
    assert app.config["WHERE"] == "root"


def test_open_instance_resource(tmp_path: Path) -> None:
    app = Flask("af_instance_res", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("héllo")
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == "héllo".encode()
    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "héllo"
    with app.open_instance_resource("notes.txt", "a", encoding="latin-1") as f:
        f.write("é")
    assert (tmp_path / "notes.txt").read_bytes() == "héllo".encode() + b"\xe9"


def test_open_resource_for_reading_only(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (x);", encoding="utf-8")
    app = Flask("af_resource", root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"CREATE TABLE t (x);"
    with app.open_resource("schema.sql", "rt", encoding="utf-8") as f:
        assert f.read() == "CREATE TABLE t (x);"
    for mode in ("w", "a", "r+", "wb"):
        with pytest.raises(ValueError, match="only be opened for reading"):
            app.open_resource("schema.sql", mode)


def test_blueprint_open_resource_is_relative_to_the_blueprint(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("blueprint data")
    bp = Blueprint("bp", __name__, root_path=str(tmp_path))
    with bp.open_resource("data.txt", "r") as f:
        assert f.read() == "blueprint data"


@pytest.mark.anyio
async def test_views_write_to_the_instance_folder_concurrently(tmp_path: Path) -> None:
    app = Flask("af_instance_views", instance_path=str(tmp_path))

    @app.post("/save/<int:n>")
    def save(n: int) -> str:
        path = os.path.join(current_app.instance_path, f"report-{n}.txt")
        with open(path, "w") as f:
            f.write(f"report {n}")
        return "saved"

    client = app.test_client()
    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(client.post, f"/save/{n}")
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == sorted(
        f"report {n}" for n in range(40)
    )
