"""Test-only actions for the action server's tests (`python -m actions.server --actions
tests.stack.fake_actions`): one that works, one that crashes with the patient's data in its message,
one that rejects like a form does, and one that returns something that cannot be sent as JSON."""
from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionTestEcho(Action):
    """Works: says the slot back and sets another one."""

    def name(self) -> str:
        return "action_test_echo"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"echo {tracker.get_slot('inquiry_patient_name')}")
        return [SlotSet("inquiry_age", "51")]


class ActionTestCrash(Action):
    """Crashes with the tracker's personal data in the exception message, as careless code might."""

    def name(self) -> str:
        return "action_test_crash"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="half an answer that must not be sent")
        raise ValueError(f"cannot handle {tracker.get_slot('inquiry_patient_name')} "
                         f"<{tracker.get_slot('inquiry_contact')}>: {tracker.latest_message.get('text')}")


class ActionTestReject(Action):
    """Rejects the turn, as a form does when the message is not an answer."""

    def name(self) -> str:
        return "action_test_reject"

    def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection(self.name(), "not an answer")


class ActionTestUnserialisable(Action):
    """Returns an event that cannot be turned into JSON (a bug found only at run time)."""

    def name(self) -> str:
        return "action_test_unserialisable"

    def run(self, dispatcher, tracker, domain):
        return [SlotSet("inquiry_age", object())]
