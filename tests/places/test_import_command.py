"""`passnum import_places` and `POST /api/v1/standard/import`: a file that cannot be read gives
one clear French line (exit status 1) or a 400 in the API's error shape, never a traceback, and
nothing is imported; rejected lines go to a CSV with --rejects."""

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from passnum.places.models import Place
from passnum.places.standard import field_names
from tests.places.standard_csv import csv_text, line

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]
GOOD = csv_text([line(), line(id="b", pivot="43493312300028"), line(id="c", horaires="midi")])
# name → (file content, what the one line of explanation says, the API's error code)
UNREADABLE = {
    "missing column": (
        csv_text([line()], columns=[n for n in field_names() if n != "adresse"]).encode(),
        "Colonnes obligatoires absentes : adresse.",
        "import_missing_columns",
    ),
    "latin-1": (GOOD.replace("Anonymal", "Médiathèque").encode("latin-1"), "UTF-8", "import_not_utf8"),
    "semicolons": (GOOD.replace(",", ";").encode(), "« ; »", "import_wrong_separator"),
    "huge field": (
        csv_text([line(presentation_detail="x" * 200_000)]).encode(),
        "Ligne 2 : un champ dépasse 131",
        "import_field_too_long",
    ),
    "empty": (b"", "Le fichier est vide.", "import_empty_file"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "données binaires", "import_binary_file"),
}  # fmt: skip


def write(tmp_path, content: bytes) -> str:
    path = tmp_path / "lieux.csv"
    path.write_bytes(content)
    return str(path)


def test_the_command_imports_reports_and_writes_the_rejects(operator, tmp_path, capsys):
    rejects = tmp_path / "rejets.csv"
    call_command(
        "import_places",
        write(tmp_path, GOOD.encode()),
        source="mednum",
        actor=operator.user.email,
        rejects=str(rejects),
    )
    out, err = capsys.readouterr()
    assert "Lignes lues : 3 ; créées : 1 ; mises à jour : 0 ; rejetées : 2." in out
    assert "ligne 3 (b) : « pivot » : SIRET invalide" in err and "ligne 4 (c)" in err
    with rejects.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["line", "id", "reasons"]
    assert [row[:2] for row in rows[1:]] == [["3", "b"], ["4", "c"]]
    assert "Horaires illisibles" in rows[2][2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_shows_its_progress_on_a_terminal_only(operator, tmp_path):
    path, actor = write(tmp_path, GOOD.encode()), operator.user.email
    terminal, pipe = Terminal(), io.StringIO()
    call_command("import_places", path, source="a", actor=actor, stderr=terminal)
    assert "\r" in terminal.getvalue() and "3/3 (100%" in terminal.getvalue()
    call_command("import_places", path, source="b", actor=actor, stderr=pipe)
    assert "\r" not in pipe.getvalue() and "ligne 3 (b)" in pipe.getvalue()


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_the_command_refuses_an_unreadable_file_in_one_line(operator, tmp_path, case):
    content, message, _code = UNREADABLE[case]
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_places", write(tmp_path, content), source="s", actor=operator.user.email
        )
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not Place.objects.exists()


@pytest.mark.parametrize("case", ["latin-1", "semicolons", "huge field"])
def test_the_command_exits_with_status_1_and_no_traceback(operator, tmp_path, capsys, case):
    content, message, _code = UNREADABLE[case]
    argv = ["passnum", "import_places", write(tmp_path, content), "--source", "s"]
    with pytest.raises(SystemExit) as exited:
        ManagementUtility([*argv, "--actor", operator.user.email]).execute()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_command_explains_a_missing_file_or_actor(operator, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command(
            "import_places", str(tmp_path / "absent.csv"), source="s", actor=operator.user.email
        )
    with pytest.raises(CommandError, match="Aucun utilisateur"):
        call_command("import_places", write(tmp_path, GOOD.encode()), source="s", actor="x@y.fr")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_command_run_as_a_program_exits_1_on_a_latin_1_file(operator, tmp_path):
    """A real process (PostgreSQL: it sees the committed operator of the test database)."""
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    content, message, _code = UNREADABLE["latin-1"]
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [
            str(PROJECT_DIR / ".venv" / "bin" / "passnum"),
            "import_places",
            write(tmp_path, content),
            "--source=s",
            f"--actor={operator.user.email}",
        ],
        env={**os.environ, "DATABASE_URL": url},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def post(api, acting, content: bytes, source: str = "mednum"):
    client = api(acting)
    return client.client.post(
        "/api/v1/standard/import",
        {"source": source, "file": SimpleUploadedFile("lieux.csv", content)},
        headers=client.headers,
    )


def test_the_api_reports_each_line(api, operator):
    response = post(api, operator, GOOD.encode())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 2)
    assert body["lines"][1]["line"] == 3 and "SIRET invalide" in body["lines"][1]["reasons"][0]


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_the_api_answers_400_with_a_stable_code(api, operator, case):
    content, message, code = UNREADABLE[case]
    response = post(api, operator, content)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"]
    assert not Place.objects.exists()
