"""The README is part of the product: its catalogue and quick start must stay true."""

from pathlib import Path

from ledger.domain.events import EVENT_CLASSES

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_readme_catalogue_names_every_event_kind_and_topic() -> None:
    for kind, event_class in EVENT_CLASSES.items():
        assert f"| `{kind}` | {event_class.__name__} | `{event_class.TOPIC}` |" in README


def test_the_quick_start_is_two_commands_one_demo_one_test_run() -> None:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("careers-ledger demo")
    assert commands[1].endswith("python -m pytest")
    assert "requirements-dev.lock" not in commands[0]  # the product alone: no test tools


def test_the_readme_catalogue_lists_every_payload_field_of_every_event() -> None:
    rows = {line.split("|")[1].strip(" `"): line for line in README.splitlines() if "| `" in line}
    for kind, event_class in EVENT_CLASSES.items():
        for name in event_class.PAYLOAD.model_fields.keys() - {"occurred_on"}:
            assert name in rows[kind].split("|")[4], (kind, name)
