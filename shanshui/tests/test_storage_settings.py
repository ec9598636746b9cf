"""Media and static storage come from the environment: the file system unless a bucket is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-production-secret-" + "z" * 20

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shanshui.example.gov.cn",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}
SCRIPT = (
    "import config.settings as s, json; o = s.STORAGES['default'].get('OPTIONS', {});"
    "c = o.get('client_config');"
    "print(json.dumps({'media': s.STORAGES['default']['BACKEND'],"
    "'static': s.STORAGES['staticfiles']['BACKEND'],"
    "'bucket': o.get('bucket_name'), 'endpoint': o.get('endpoint_url'),"
    "'acl': o.get('default_acl', 'unset'), 'location': o.get('location'),"
    "'style': c.s3['addressing_style'] if c else None,"
    "'timeout': c.connect_timeout if c else None,"
    "'middleware': s.MIDDLEWARE}))"
)


def load_settings(**env) -> tuple[int, str]:
    """Import config.settings in a fresh interpreter with ``env`` (and nothing of ours from
    this process's environment); the exit code and the output."""
    clean = {
        k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SHANSHUI_VAR_DIR"}
    }
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def run(**env):
    code, output = load_settings(**env)
    assert code == 0, output
    return json.loads(output.strip().splitlines()[-1])


def test_it_keeps_media_on_the_file_system_and_hashes_static_files_in_production():
    found = run(**PRODUCTION)
    assert found["media"] == "django.core.files.storage.FileSystemStorage"
    assert found["static"] == "shanshui.lib.staticfiles.HashedStaticFilesStorage"
    # After the security headers, before sessions: a static file costs no session work.
    order = found["middleware"].index
    assert (
        order("django.middleware.security.SecurityMiddleware")
        < order("whitenoise.middleware.WhiteNoiseMiddleware")
        < order("django.contrib.sessions.middleware.SessionMiddleware")
    )


def test_it_serves_plain_static_files_in_development():
    found = run(DEBUG="true")
    assert found["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_a_bucket_moves_media_to_private_s3_storage():
    found = run(
        **PRODUCTION,
        SHANSHUI_S3_BUCKET="shanshui-media",
        SHANSHUI_S3_ENDPOINT_URL="http://10.0.0.5:9000",
        SHANSHUI_S3_PREFIX="/prod/",
        SHANSHUI_S3_TIMEOUT_S="3",
    )
    assert found["media"] == "storages.backends.s3.S3Storage"
    assert found["bucket"] == "shanshui-media"
    assert found["endpoint"] == "http://10.0.0.5:9000"
    assert found["acl"] is None  # no public-read, no ACL header at all
    assert found["location"] == "prod"
    assert found["style"] == "path"
    assert found["timeout"] == 3


def test_a_wrong_addressing_style_is_refused():
    code, output = load_settings(
        **PRODUCTION, SHANSHUI_S3_BUCKET="b", SHANSHUI_S3_ADDRESSING_STYLE="dns"
    )
    assert code != 0 and "SHANSHUI_S3_ADDRESSING_STYLE" in output
