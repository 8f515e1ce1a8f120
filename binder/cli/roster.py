"""`binder roster ...`, `backup`, `unlock`, `passphrase change` and `keyring ...`.

Everything here touches the binder's data key or its roster: adding and
listing encrypted contacts, unlocking with a recovery code, re-wrapping the key
under a new passphrase, remembering it in the OS keyring, and copying the
(still encrypted) binder for safe keeping.
"""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.common import (
    DOOR,
    binder_option,
    emit_id,
    emit_json,
    get_secret,
    json_option,
    open_path,
    read_input,
    unlock,
    use_keyring,
)
from binder.cli.root import cli
from binder.core import key_rotation, roster
from binder.core.crypto import session, vault
from binder.core.errors import BadInput, BinderError, Locked
from binder.core.storage.backup import backup_binder


def _note(message: str) -> None:
    # Confirmations go to stderr so stdout stays clean for scripts.
    click.echo(message, err=True)


def _contact_fields(func):
    """The options shared by `roster add` and `roster edit`."""
    options = [
        click.option("--name", default=None, help="Person or service desk name."),
        click.option("--role", default=None, help="Role key or name from the plan (e.g. 'Incident Lead')."),
        click.option("--email", default=None, help="Email address."),
        click.option("--phone", default=None, help="Phone number."),
        click.option("--im", default=None, help="Instant-messaging handle."),
        click.option("--escalation", type=int, default=None,
                     help="Place on the role's escalation ladder (1 = call first)."),
        click.option("--notes", default=None, help="Free notes (hours, backups, language...)."),
        click.option("--sla", default=None, help="SLA or contract reference."),
        click.option("--external/--internal", "external", default=None,
                     help="External resource (hosting, vendor, authority); default from the role."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.group("roster")
def roster_group() -> None:
    """The encrypted contact roster (needs the binder unlocked)."""


@roster_group.command("add")
@binder_option
@_contact_fields
@click.option("--from-json", "from_json", default=None, metavar="FILE",
              help="Add the contacts in FILE ('-' for standard input): one JSON object, or a list, "
                   "with name, role, email, phone, im, escalation, notes, sla, external. Keeps "
                   "contact values off the command line.")
def roster_add(binder_path: Path | None, name, role, email, phone, im, escalation, notes, sla,
               external, from_json) -> None:
    """Add a contact; prints the new contact id (one per line with --from-json)."""
    if from_json is not None:
        given = [n for n, v in (("--name", name), ("--role", role), ("--email", email),
                                ("--phone", phone), ("--im", im), ("--escalation", escalation),
                                ("--notes", notes), ("--sla", sla)) if v is not None]
        if given:
            raise BadInput(f"give the contact either in the file or as options, not both "
                           f"({given[0]} with --from-json)")
        data = read_input(from_json, what="contacts file", limit=roster.MAX_CONTACTS_FILE)
        source = "standard input" if from_json == "-" else from_json
        records = roster.parse_contacts_json(data, source)
        with open_path(binder_path) as binder:
            unlock(binder)
            for contact_id in roster.add_contacts(binder, records):
                emit_id(contact_id)
        return
    if not name:
        raise BadInput("give the contact's name with --name")
    if not role:
        raise BadInput("give the contact's role with --role (a role key or name from the plan)")
    with open_path(binder_path) as binder:
        unlock(binder)
        contact_id = roster.add_contact(
            binder, role=role, name=name, email=email or "", phone=phone or "", im=im or "",
            escalation=1 if escalation is None else escalation, notes=notes or "", sla=sla or "",
            external=external,
        )
    emit_id(contact_id)


@roster_group.command("edit")
@binder_option
@click.argument("contact_ref", metavar="ID")
@_contact_fields
def roster_edit(binder_path: Path | None, contact_ref: str, name, role, email, phone, im,
                escalation, notes, sla, external) -> None:
    """Change a contact (a new revision; the old one stays in its history).

    Give only the fields to change; an empty value (--email '') clears a field.
    """
    with open_path(binder_path) as binder:
        unlock(binder)
        contact_id = roster.resolve_contact_id(binder, contact_ref)
        revision = roster.edit_contact(
            binder, contact_id, role=role, name=name, email=email, phone=phone, im=im,
            escalation=escalation, notes=notes, sla=sla, external=external,
        )
    _note(f"contact {contact_id} updated (revision {revision})")


@roster_group.command("remove")
@binder_option
@click.argument("contact_ref", metavar="ID")
def roster_remove(binder_path: Path | None, contact_ref: str) -> None:
    """Remove a contact from the roster; its history is kept."""
    with open_path(binder_path) as binder:
        unlock(binder)
        contact_id = roster.resolve_contact_id(binder, contact_ref)
        roster.remove_contact(binder, contact_id)
    _note(f"contact {contact_id} removed (its history is kept: `binder roster history {contact_id[:8]}`)")


def _as_dict(contact: roster.Contact, role_names: dict[str, str]) -> dict:
    return {
        "id": contact.id,
        "revision": contact.revision,
        "role": contact.role,
        "role_name": role_names.get(contact.role, contact.role),
        "escalation": contact.escalation,
        "external": contact.external,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "im": contact.im,
        "notes": contact.notes,
        "sla": contact.sla,
        "recorded_at": contact.recorded_at,
        "removed": contact.removed,
    }


def _print_table(rows: list[dict]) -> None:
    if not rows:
        _note("the roster is empty; add contacts with `binder roster add --name N --role R`")
        return
    headers = ("ID", "ROLE", "#", "NAME", "PHONE", "EMAIL", "IM")
    table = [
        (
            r["id"][:8],
            r["role_name"] + (" (external)" if r["external"] else "") + (" [removed]" if r["removed"] else ""),
            str(r["escalation"]),
            r["name"],
            r["phone"],
            r["email"],
            r["im"],
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    for row in (headers, *table):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@roster_group.command("list")
@binder_option
@json_option
@click.option("--all", "include_removed", is_flag=True, help="Include removed contacts.")
def roster_list(binder_path: Path | None, as_json: bool, include_removed: bool) -> None:
    """List contacts by role and escalation order (needs the binder unlocked)."""
    with open_path(binder_path) as binder:
        unlock(binder)
        names = roster.role_names(binder)
        rows = [_as_dict(c, names) for c in roster.list_contacts(binder, include_removed=include_removed)]
    if as_json:
        emit_json(rows)
    else:
        _print_table(rows)


@roster_group.command("history")
@binder_option
@json_option
@click.argument("contact_ref", metavar="ID")
def roster_history(binder_path: Path | None, as_json: bool, contact_ref: str) -> None:
    """Every revision of one contact, oldest first."""
    with open_path(binder_path) as binder:
        unlock(binder)
        names = roster.role_names(binder)
        rows = [_as_dict(c, names) for c in roster.contact_history(binder, contact_ref)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        state = "removed" if r["removed"] else f"{r['role_name']} #{r['escalation']}"
        click.echo(f"rev {r['revision']}  {r['recorded_at']}  {state}  {r['name']}  {r['phone']}  {r['email']}")


@cli.command("backup")
@binder_option
# Kept as the string typed: Path("") would quietly become "." (this folder).
@click.argument("dest", type=click.Path())
def backup(binder_path: Path | None, dest: str) -> None:
    """Write a consistent, verified copy of the binder to DEST (never overwrites).

    Prints the path of the copy. It opens with the same passphrase.
    """
    with open_path(binder_path) as binder:
        written = backup_binder(binder, dest)
    emit_id(written)


@cli.command("unlock")
@binder_option
@click.option("--recovery", is_flag=True,
              help="Use the recovery code (BINDER_RECOVERY_CODE or a prompt), then set a new passphrase.")
def unlock_command(binder_path: Path | None, recovery: bool) -> None:
    """Check that the binder unlocks; with --recovery, replace a lost passphrase."""
    with open_path(binder_path) as binder:
        if not recovery:
            unlock(binder)
            _note("the binder unlocks")
            return
        new_code = session.recover_binder(
            binder, get_secret("BINDER_RECOVERY_CODE", "Recovery code"),
            lambda: get_secret("BINDER_NEW_PASSPHRASE", "New binder passphrase", confirm=True),
            door=DOOR,
        )
    _note("unlocked with the recovery code; the new passphrase is set. The recovery code you "
          "used no longer works; the new one (shown once; write it down and keep it apart from "
          f"the laptop) is:\n\n    {new_code}\n")


@cli.group("passphrase")
def passphrase_group() -> None:
    """The binder passphrase."""


@passphrase_group.command("change")
@binder_option
@click.option("--rotate", is_flag=True,
              help="Also re-encrypt everything under a new data key, and issue a new recovery code "
                   "(after a passphrase or a copy of the binder may have leaked).")
def passphrase_change(binder_path: Path | None, rotate: bool) -> None:
    """Set a new binder passphrase (BINDER_NEW_PASSPHRASE or a prompt)."""
    with open_path(binder_path) as binder:
        unlock(binder)
        new = get_secret("BINDER_NEW_PASSPHRASE", "New binder passphrase", confirm=True)
        if rotate:
            code = key_rotation.rotate_binder_key(binder, new, door=DOOR)
        else:
            code = session.change_binder_passphrase(binder, new, door=DOOR)
    if rotate:
        _note("everything is re-encrypted under a new data key; the old passphrase, the old "
              "recovery code and any copy of the old key open nothing in this binder now "
              "(a backup made before still opens with them). 'Remember on this computer' was "
              "reset.")
    else:
        _note("the passphrase is changed; the old one no longer unlocks this binder")
    if code:
        _note(f"New recovery code (shown once; write it down and keep it apart from the laptop):"
              f"\n\n    {code}\n")


@cli.group("keyring")
def keyring_group() -> None:
    """Remember the binder's key in this computer's OS keyring, or forget it."""


@keyring_group.command("remember")
@binder_option
def keyring_remember(binder_path: Path | None) -> None:
    """Let this computer unlock the binder from its OS keyring."""
    if not use_keyring():
        raise BadInput("BINDER_NO_KEYRING is set, so the OS keyring is left alone; unset it first")
    backend, why = vault.protected_keyring()
    if backend is None:
        # Before the passphrase is asked: a plain-text keyring is refused, not used.
        raise BinderError(f"{why}; nothing was stored")
    with open_path(binder_path) as binder:
        unlock(binder)
        if not session.remember_here(binder, door=DOOR):
            raise BinderError(
                "no usable OS keyring on this computer (missing, locked or failing); nothing was "
                "stored and the passphrase stays the way to unlock"
            )
    _note("remembered: this computer now unlocks the binder without the passphrase")


@keyring_group.command("forget")
@binder_option
def keyring_forget(binder_path: Path | None) -> None:
    """Stop unlocking from the OS keyring; the passphrase is needed again."""
    with open_path(binder_path) as binder:
        unlock(binder)
        session.forget_here(binder, door=DOOR)
    _note("forgotten: the passphrase is needed from now on")


def _keyring_unlocks(binder) -> bool:
    # Trying is unlocking: a keyring that works is recorded as an access like any other.
    try:
        session.unlock_binder(binder, door=DOOR)
    except Locked:
        return False
    return True


@keyring_group.command("status")
@binder_option
@json_option
def keyring_status(binder_path: Path | None, as_json: bool) -> None:
    """Say whether this computer can unlock the binder from its OS keyring."""
    with open_path(binder_path) as binder:
        remembered = vault.is_remembered(binder)
        ignored = not use_keyring()
        works = remembered and not ignored and _keyring_unlocks(binder)
    if as_json:
        emit_json({"remembered": remembered, "keyring_ignored": ignored, "unlocks_here": works})
        return
    if ignored:
        click.echo("the OS keyring is ignored (BINDER_NO_KEYRING is set)")
    elif works:
        click.echo("remembered: this computer unlocks the binder from its OS keyring")
    elif remembered:
        click.echo("remembered on some computer, but this computer's keyring cannot unlock it; "
                   "the passphrase is needed here")
    else:
        click.echo("not remembered: the passphrase is needed to unlock")
