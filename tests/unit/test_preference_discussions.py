"""Who recorded each preference is kept by the people service, whichever way the
change came: the admin pages, the API, or the ``safedial`` command."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.cli import CLI_ACTOR
from gateway.people import discussions
from gateway.people import service as people
from gateway.web.pages.card import discussed_line
from gateway.web.pages.catalogue import load_catalogues, translator
from gateway.web.pages.render import LOCALES
from gateway.wiring import AppContext
from tests.support.world import add_advocate, add_participant, changes

ENGLISH = translator(load_catalogues(LOCALES), "en")


def test_a_preference_set_with_the_command_is_recorded_without_an_account(
    world: AppContext
) -> None:
    participant_id = add_participant(world, caller_id="masked")
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy,
                                  actor=CLI_ACTOR, participant_id=participant_id,
                                  fields=changes({"voicemail": "none"}),
                                  callbacks=world.callbacks())
        talked = discussions.discussions_of(session, participant_id)
    assert talked["voicemail"].by is None
    today = datetime.now(UTC).date().isoformat()
    assert discussed_line(ENGLISH, talked["voicemail"]) == \
        f"Recorded with the safedial command on {today}"


def test_a_preference_an_admins_token_changes_names_that_admin(world: AppContext) -> None:
    participant_id = add_participant(world)
    admin_id = add_advocate(world, role="admin", name="Alex")
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy,
                                  actor=admin_id, participant_id=participant_id,
                                  fields=changes({"caller_id": "withhold"}),
                                  callbacks=world.callbacks())
        talked = discussions.discussions_of(session, participant_id)
    assert talked["caller_id"].by == "Alex"
    assert "voicemail" not in talked, "only what changed counts as discussed"


def test_a_preference_put_back_to_the_default_is_no_longer_discussed(
    world: AppContext
) -> None:
    participant_id = add_participant(world, caller_id="masked")
    with world.db.unit_of_work() as session:
        people.update_participant(session, keys=world.keys, policy=world.policy,
                                  actor=CLI_ACTOR, participant_id=participant_id,
                                  fields=changes({"caller_id": None}),
                                  callbacks=world.callbacks())
        assert "caller_id" not in discussions.discussions_of(session, participant_id)
