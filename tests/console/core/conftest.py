import shutil
from pathlib import Path

import httpx
import pytest

from console.project import Project
from console.session import Session

from core_fakes import FIXTURES, FakeOps, FakeTarget


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A project folder with a built manifest in .tova-out/ and the stats config the seed needs."""
    out = tmp_path / ".tova-out"
    out.mkdir()
    shutil.copy(FIXTURES / "manifest.json", out / "manifest.json")
    (tmp_path / "tova.toml").write_text(
        '[console]\ninterval = 1\ntimeout = 2\n\n'
        '[[stats]]\nworker = "api"\npath = "/api/stats"\nheaders = { "X-API-Key" = "${API_KEY}" }\n'
    )
    return tmp_path


@pytest.fixture
def project(project_dir: Path) -> Project:
    return Project.from_manifest(project_dir / ".tova-out" / "manifest.json")


@pytest.fixture
def ops() -> FakeOps:
    return FakeOps()


@pytest.fixture
async def session(project, ops):
    target = FakeTarget()
    http = httpx.AsyncClient(transport=ops.transport(), timeout=2)
    s = Session(project, target, http=http)
    await s.start()
    yield s
    await s.stop()
    await http.aclose()
