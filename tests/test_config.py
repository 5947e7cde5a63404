"""Configuration: the Config dict's loaders and the app attributes backed by config keys."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from asyncflask import Flask
from asyncflask.config import Config, ConfigAttribute


class BaseSettings:
    DEBUG = False
    SECRET_KEY = "base-secret"
    lowercase_is_ignored = "nope"
    MAX_CONTENT_LENGTH = 1024


class DevSettings(BaseSettings):
    DEBUG = True
    DATABASE_URI = "sqlite://"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path)


@pytest.fixture
def settings_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable module holding settings, named uniquely so tests do not share it."""
    name = f"af_settings_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            """
            SECRET_KEY = "from-module"
            TIMEOUT = 30
            ignored = True

            class Production:
                ENV_NAME = "production"
                SECRET_KEY = "from-class"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_defaults(app: Flask) -> None:
    assert app.config["DEBUG"] is False
    assert app.config["TESTING"] is True
    assert app.config["SECRET_KEY"] is None
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert app.config["SYNC_THREAD_LIMIT"] == 64
    assert app.config["TRUSTED_HOSTS"] is None
    assert isinstance(app.config, Config)
    assert isinstance(app.config, dict)


def test_from_object_class_loads_uppercase_attributes(config: Config) -> None:
    config.from_object(DevSettings)
    assert config["DEBUG"] is True
    assert config["SECRET_KEY"] == "base-secret"
    assert config["DATABASE_URI"] == "sqlite://"
    assert config["MAX_CONTENT_LENGTH"] == 1024
    assert "lowercase_is_ignored" not in config


def test_from_object_instance(config: Config) -> None:
    settings = BaseSettings()
    settings.SECRET_KEY = "instance-secret"  # type: ignore[misc]
    config.from_object(settings)
    assert config["SECRET_KEY"] == "instance-secret"


def test_from_object_import_string_module(config: Config, settings_module: str) -> None:
    config.from_object(settings_module)
    assert config["SECRET_KEY"] == "from-module"
    assert config["TIMEOUT"] == 30
    assert "ignored" not in config


@pytest.mark.parametrize("separator", [".", ":"])
def test_from_object_import_string_attribute(
    config: Config, settings_module: str, separator: str
) -> None:
    config.from_object(f"{settings_module}{separator}Production")
    assert config["SECRET_KEY"] == "from-class"
    assert config["ENV_NAME"] == "production"


def test_from_object_missing_import_is_import_error(config: Config, settings_module: str) -> None:
    with pytest.raises(ImportError):
        config.from_object(f"{settings_module}.DoesNotExist")
    with pytest.raises(ImportError):
        config.from_object("af_no_such_module_anywhere")


def test_from_mapping(config: Config) -> None:
    assert config.from_mapping({"SECRET_KEY": "mapped", "lower": 1}, TIMEOUT=5, other=2)
    assert config["SECRET_KEY"] == "mapped"
    assert config["TIMEOUT"] == 5
    assert "lower" not in config
    assert "other" not in config


def test_from_mapping_keyword_arguments_win(config: Config) -> None:
    config.from_mapping({"A": 1}, A=2)
    assert config["A"] == 2


def test_from_pyfile_relative_to_root_path(tmp_path: Path, config: Config) -> None:
    (tmp_path / "settings.cfg").write_text(
        "import os\nSECRET_KEY = 'pyfile'\nPORT = 40 + 2\nhelper = 'skip'\n"
    )
    assert config.from_pyfile("settings.cfg") is True
    assert config["SECRET_KEY"] == "pyfile"
    assert config["PORT"] == 42
    assert "helper" not in config
    assert "os" not in config


def test_from_pyfile_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "abs.py"
    path.write_text("VALUE = 'absolute'\n")
    config = Config("/somewhere/else")
    config.from_pyfile(str(path))
    assert config["VALUE"] == "absolute"


def test_from_pyfile_missing_file_says_so(config: Config) -> None:
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_pyfile("missing.cfg")
    assert config.from_pyfile("missing.cfg", silent=True) is False


def test_from_pyfile_syntax_error_is_raised(tmp_path: Path, config: Config) -> None:
    (tmp_path / "broken.cfg").write_text("SECRET_KEY = \n")
    with pytest.raises(SyntaxError):
        config.from_pyfile("broken.cfg")


def test_from_file_with_json(tmp_path: Path, config: Config) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"SECRET_KEY": "json-secret", "ITEMS": [1, 2], "lower": True})
    )
    assert config.from_file("config.json", load=json.load) is True
    assert config["SECRET_KEY"] == "json-secret"
    assert config["ITEMS"] == [1, 2]
    assert "lower" not in config


def test_from_file_binary_mode(tmp_path: Path, config: Config) -> None:
    tomllib = pytest.importorskip("tomllib")
    (tmp_path / "config.toml").write_text('SECRET_KEY = "toml"\nPORT = 8000\n')
    config.from_file("config.toml", load=tomllib.load, text=False)
    assert config["SECRET_KEY"] == "toml"
    assert config["PORT"] == 8000


def test_from_file_missing(config: Config) -> None:
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_file("missing.json", load=json.load)
    assert config.from_file("missing.json", load=json.load, silent=True) is False


def test_from_envvar(tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env_settings.py"
    path.write_text("FROM_ENV = 'yes'\n")
    monkeypatch.setenv("AF_TEST_SETTINGS", str(path))
    assert config.from_envvar("AF_TEST_SETTINGS") is True
    assert config["FROM_ENV"] == "yes"


def test_from_envvar_unset(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AF_TEST_UNSET", raising=False)
    with pytest.raises(RuntimeError, match="AF_TEST_UNSET"):
        config.from_envvar("AF_TEST_UNSET")
    assert config.from_envvar("AF_TEST_UNSET", silent=True) is False


def test_from_prefixed_env_parses_json_values(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTEST_SECRET_KEY", "plain string")
    monkeypatch.setenv("AFTEST_MAX_CONTENT_LENGTH", "1024")
    monkeypatch.setenv("AFTEST_DEBUG", "true")
    monkeypatch.setenv("AFTEST_HOSTS", '["a.com", "b.com"]')
    monkeypatch.setenv("AFTEST_RATIO", "0.5")
    monkeypatch.setenv("OTHER_SECRET_KEY", "not loaded")
    assert config.from_prefixed_env("AFTEST") is True
    assert config["SECRET_KEY"] == "plain string"
    assert config["MAX_CONTENT_LENGTH"] == 1024
    assert config["DEBUG"] is True
    assert config["HOSTS"] == ["a.com", "b.com"]
    assert config["RATIO"] == 0.5
    assert "OTHER_SECRET_KEY" not in config
    assert "AFTEST_SECRET_KEY" not in config


def test_from_prefixed_env_default_prefix_is_asyncflask_over_flask(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYNCFLASK_AF_CONFIG_TEST", "42")
    monkeypatch.setenv("FLASK_AF_CONFIG_TEST", "1")
    monkeypatch.setenv("FLASK_AF_CONFIG_OTHER", '"from flask"')
    monkeypatch.setenv("FLASK_AF_NESTED__A", "1")
    monkeypatch.setenv("ASYNCFLASK_AF_NESTED__B", "2")
    config.from_prefixed_env()
    assert config["AF_CONFIG_TEST"] == 42
    assert config["AF_CONFIG_OTHER"] == "from flask"
    assert config["AF_NESTED"] == {"A": 1, "B": 2}


def test_from_prefixed_env_other_prefix_reads_only_its_own(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_AF_CONFIG_ONLY_FLASK", "1")
    monkeypatch.setenv("MYAPP_AF_CONFIG_MINE", "2")
    config.from_prefixed_env("MYAPP")
    assert config["AF_CONFIG_MINE"] == 2
    assert "AF_CONFIG_ONLY_FLASK" not in config


def test_from_prefixed_env_flask_prefix_for_migrating_deployments(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_AF_CONFIG_TEST", '{"a": 1}')
    config.from_prefixed_env("FLASK")
    assert config["AF_CONFIG_TEST"] == {"a": 1}


def test_from_prefixed_env_nested_keys(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    config["DB"] = {"PORT": 5432}
    monkeypatch.setenv("AFTEST_DB__HOST", "db.local")
    monkeypatch.setenv("AFTEST_CACHE__REDIS__URL", "redis://")
    config.from_prefixed_env("AFTEST")
    assert config["DB"] == {"PORT": 5432, "HOST": "db.local"}
    assert config["CACHE"] == {"REDIS": {"URL": "redis://"}}


def test_from_prefixed_env_custom_loads(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTEST_NUMBER", "7")
    config.from_prefixed_env("AFTEST", loads=lambda value: f"<{value}>")
    assert config["NUMBER"] == "<7>"


def test_get_namespace(config: Config) -> None:
    config.from_mapping(
        IMAGE_STORE_TYPE="fs",
        IMAGE_STORE_PATH="/var/app/images",
        IMAGE_STORE_BASE_URL="http://img.website.com",
        OTHER="x",
    )
    assert config.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/app/images",
        "base_url": "http://img.website.com",
    }
    assert config.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/var/app/images",
        "BASE_URL": "http://img.website.com",
    }
    assert config.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/var/app/images",
        "image_store_base_url": "http://img.website.com",
    }


def test_config_attributes_on_the_app() -> None:
    app = Flask("config_attrs")
    assert app.testing is False
    assert app.debug is False
    assert app.secret_key is None
    app.testing = True
    app.secret_key = "s3cr3t"
    app.debug = True
    assert app.config["TESTING"] is True
    assert app.config["SECRET_KEY"] == "s3cr3t"
    assert app.config["DEBUG"] is True
    app.config["SECRET_KEY"] = "changed"
    assert app.secret_key == "changed"


def test_config_attribute_with_converter() -> None:
    class Holder:
        timeout: ConfigAttribute[int] = ConfigAttribute("TIMEOUT", get_converter=int)

        def __init__(self) -> None:
            self.config = {"TIMEOUT": "30"}

    holder = Holder()
    assert holder.timeout == 30
    holder.timeout = 45
    assert holder.config["TIMEOUT"] == 45
    assert isinstance(Holder.timeout, ConfigAttribute)


def test_instance_relative_config(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "settings.cfg").write_text("WHERE = 'instance'\n")
    app = Flask("instance_app", instance_path=str(instance), instance_relative_config=True)
    app.config.from_pyfile("settings.cfg")
    assert app.config["WHERE"] == "instance"


def test_config_repr(config: Config) -> None:
    config["A"] = 1
    assert repr(config) == "<Config {'A': 1}>"


#: Flask 3.1's default configuration; asyncflask differs only where DESIGN.md says so.
FLASK_DEFAULTS: dict[str, object] = {
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
}


@pytest.mark.parametrize(("key", "value"), sorted(FLASK_DEFAULTS.items()))
def test_every_flask_default_key_has_flasks_default(key: str, value: object) -> None:
    app = Flask("flask_defaults")
    assert key in app.config
    assert app.config[key] == value


def test_documented_default_differences() -> None:
    app = Flask("documented_defaults")
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024  # bodies are buffered
    assert app.config["DEBUG"] is False


def test_config_inheritance_pattern(tmp_path: Path) -> None:
    class Base:
        SECRET_KEY = "base"
        MAIL_SERVER = "smtp.example.com"

    class Development(Base):
        DEBUG = True
        DATABASE_URI = "sqlite:///dev.db"

    class Production(Base):
        DEBUG = False
        SESSION_COOKIE_SECURE = True

    dev = Flask("inherit_dev")
    dev.config.from_object(Development)
    prod = Flask("inherit_prod")
    prod.config.from_object(Production)
    assert (dev.debug, dev.config["MAIL_SERVER"], dev.config["DATABASE_URI"]) == (
        True,
        "smtp.example.com",
        "sqlite:///dev.db",
    )
    assert (prod.debug, prod.config["SESSION_COOKIE_SECURE"], prod.secret_key) == (
        False,
        True,
        "base",
    )
    assert "DATABASE_URI" not in prod.config


def test_from_file_text_false_passes_a_binary_file(tmp_path: Path, config: Config) -> None:
    (tmp_path / "raw.bin").write_bytes(b'{"KEY": "v"}')
    seen: list[object] = []

    def load(f: object) -> dict[str, str]:
        seen.append(f)
        data = f.read()  # type: ignore[attr-defined]
        assert isinstance(data, bytes)
        return json.loads(data)  # type: ignore[no-any-return]

    config.from_file("raw.bin", load=load, text=False)
    assert config["KEY"] == "v"


def test_from_file_silent_on_a_folder(tmp_path: Path, config: Config) -> None:
    (tmp_path / "folder.json").mkdir()
    assert config.from_file("folder.json", load=json.load, silent=True) is False


def test_get_namespace_on_the_app(app: Flask) -> None:
    app.config.from_mapping(MAIL_SERVER="smtp", MAIL_PORT=25, MAILBOX="x")
    assert app.config.get_namespace("MAIL_") == {"server": "smtp", "port": 25}


def test_permanent_session_lifetime_attribute() -> None:
    app = Flask("session_lifetime")
    assert app.permanent_session_lifetime == timedelta(days=31)
    app.config["PERMANENT_SESSION_LIFETIME"] = 42
    assert app.permanent_session_lifetime == timedelta(seconds=42)
    app.permanent_session_lifetime = timedelta(hours=1)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)
