"""The capacity rule: sign up, waiting list, withdraw, promotion, capacity changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civic.models import OutboundEmail
from tests.factories import worker_round
from tests.volunteers.conftest import people
from tests.volunteers.support import make_opportunity
from volunteers.models import CapacityRefused, Opportunity, Signup, SignupRefused

pytestmark = pytest.mark.django_db


def states(call) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for signup in call.signups.select_related("user").order_by("queued_at", "pk"):
        out.setdefault(signup.state, []).append(signup.user.first_name)
    return out


def test_signing_up_confirms_until_full_then_waitlists(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=2)
    a, b, c = people(3)

    assert call.sign_up(a).is_confirmed
    assert call.sign_up(b).is_confirmed
    assert call.state == Opportunity.State.FULL
    result = call.sign_up(c, note="I can bring a wheelbarrow")

    assert result.signup.state == Signup.State.WAITLISTED
    assert states(call) == {"confirmed": ["P0", "P1"], "waitlisted": ["P2"]}
    worker_round()
    subjects = list(OutboundEmail.objects.order_by("pk").values_list("to", "subject"))
    assert subjects[-1] == ("v2@example.org", f"On the waiting list: {call.title}")
    assert subjects[0] == ("v0@example.org", f"You are signed up: {call.title}")


def test_no_double_signup(call, volunteer):
    call.sign_up(volunteer)

    with pytest.raises(SignupRefused, match="already signed up"):
        call.sign_up(volunteer)
    assert call.signups.count() == 1


def test_one_row_per_user_and_call_is_a_database_constraint(call, volunteer):
    Signup.objects.create(opportunity=call, user=volunteer)

    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(opportunity=call, user=volunteer)


def test_withdraw_promotes_the_first_waiting_at_once_and_emails_them(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=1)
    first, second, third = people(3)
    mine = call.sign_up(first).signup
    call.sign_up(second)
    call.sign_up(third)

    result = call.withdraw(mine)

    assert [s.user for s in result.promoted] == [second]
    assert states(call) == {"withdrawn": ["P0"], "confirmed": ["P1"], "waitlisted": ["P2"]}
    assert OutboundEmail.objects.filter(
        to="v1@example.org", subject=f"A place is yours: {call.title}"
    ).exists()
    call.refresh_from_db()
    assert call.state == Opportunity.State.FULL


def test_withdrawn_volunteer_may_sign_up_again_at_the_back_of_the_queue(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=1)
    a, b = people(2)
    signup = call.sign_up(a).signup
    call.withdraw(signup)
    call.sign_up(b)

    again = call.sign_up(a)

    assert again.signup.pk == signup.pk
    assert again.signup.state == Signup.State.WAITLISTED


def test_raising_capacity_promotes_those_waiting(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=1)
    for person in people(4):
        call.sign_up(person)

    result = call.set_capacity(3)

    assert [s.user.first_name for s in result.promoted] == ["P1", "P2"]
    assert states(call) == {"confirmed": ["P0", "P1", "P2"], "waitlisted": ["P3"]}
    assert call.state == Opportunity.State.FULL


def test_removing_the_limit_promotes_everyone(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=1)
    for person in people(3):
        call.sign_up(person)

    call.set_capacity(None)

    assert states(call) == {"confirmed": ["P0", "P1", "P2"]}
    assert call.state == Opportunity.State.OPEN


def test_lowering_capacity_below_confirmed_needs_an_explicit_choice(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=4)
    for person in people(4):
        call.sign_up(person)

    with pytest.raises(CapacityRefused, match="moves the newest 2"):
        call.set_capacity(2)
    call.refresh_from_db()
    assert call.capacity == 4
    assert states(call) == {"confirmed": ["P0", "P1", "P2", "P3"]}


def test_lowering_capacity_moves_the_newest_to_the_head_of_the_waiting_list(report, organiser):
    call = make_opportunity(report.thread, organiser, capacity=3)
    start = timezone.now()
    for n, person in enumerate(people(4)):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            call.sign_up(person)
    # P0, P1, P2 confirmed; P3 waiting.

    result = call.set_capacity(1, move_to_waitlist=True)

    assert {s.user.first_name for s in result.moved} == {"P1", "P2"}
    assert states(call) == {"confirmed": ["P0"], "waitlisted": ["P1", "P2", "P3"]}
    assert (
        OutboundEmail.objects.filter(subject__startswith="Moved to the waiting list").count() == 2
    )
    # The first to move back up is the longest-standing of those moved.
    call.withdraw(Signup.objects.get(opportunity=call, user__first_name="P0"))
    assert states(call)["confirmed"] == ["P1"]


def test_capacity_zero_is_refused(call):
    with pytest.raises(CapacityRefused):
        call.set_capacity(0)


def test_ended_or_cancelled_calls_take_no_signups(report, organiser, volunteer):
    call = make_opportunity(report.thread, organiser)
    with time_machine.travel(call.end_at + timedelta(minutes=1)), pytest.raises(SignupRefused):
        call.sign_up(volunteer)
    Opportunity.objects.filter(pk=call.pk).update(state=Opportunity.State.CANCELLED)
    with pytest.raises(SignupRefused):
        call.sign_up(volunteer)


def test_end_before_start_is_refused_by_the_database(call):
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=call.pk).update(end_at=call.start_at - timedelta(hours=1))


def test_a_new_call_must_start_in_the_future(report, organiser):
    with pytest.raises(ValidationError, match="in the future"):
        make_opportunity(report.thread, organiser, start_at=timezone.now() - timedelta(hours=1))
    assert not Opportunity.objects.exists()
