"""Demo data for a fresh database: one user per role, customers, devices, vendors."""

import secrets
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.passwords import hash_password
from app.db.models import Customer, Device, Role, User, Vendor
from app.db.models.users import default_authority

# Published in the README: only for dev/test databases (`aftercare seed-demo` enforces it).
DEMO_PASSWORD = "aftercare-demo"
DEMO_USERS = [
    ("supervisor@demo.local", "Wang Supervisor", Role.supervisor),
    ("clerk@demo.local", "Li Clerk", Role.clerk),
    ("engineer@demo.local", "Zhang Engineer", Role.engineer),
    ("engineer2@demo.local", "Chen Engineer", Role.engineer),
    ("customer@demo.local", "Zhao Customer", Role.customer),
]


async def seed_demo(
    session: AsyncSession, password: str | None = DEMO_PASSWORD
) -> list[tuple[str, str, str]] | None:
    """Fill an empty database; return the logins created, or None if users already exist.

    `password` None gives every demo user its own random password (returned once, never stored
    in clear).
    """
    if (await session.scalar(select(func.count()).select_from(User))) != 0:
        return None
    acme = Customer(
        code="ACME",
        name="Acme Manufacturing",
        contact_name="Zhao Min",
        phone="+86 21 5555 0101",
        email="service@acme.example",
        address="88 Century Ave, Shanghai",
    )
    globex = Customer(
        code="GLOBEX", name="Globex Logistics", contact_name="Sun Li", phone="+86 10 5555 0202"
    )
    session.add_all([acme, globex])
    await session.flush()
    session.add_all(
        [
            Device(
                customer_id=acme.id,
                serial_number="SN-ACME-0001",
                model="CNC-500",
                configuration="spindle 12k rpm",
                purchased_at=date(2025, 3, 1),
                warranty_until=date(2027, 2, 28),
            ),
            Device(
                customer_id=acme.id,
                serial_number="SN-ACME-0002",
                model="Printer P2",
                purchased_at=date(2023, 1, 10),
                warranty_until=date(2024, 1, 9),
            ),
            Device(
                customer_id=globex.id,
                serial_number="SN-GLOBEX-0001",
                model="Scanner S7",
                purchased_at=date(2026, 6, 1),
                warranty_until=date(2028, 5, 31),
            ),
            Vendor(
                name="Shanghai Precision Repair",
                contact_name="Qian Wei",
                phone="+86 21 5555 0303",
                services=["CNC", "spindle"],
            ),
            Vendor(
                name="Beijing Print Service Station", phone="+86 10 5555 0404", services=["printer"]
            ),
        ]
    )
    shared_hash = await hash_password(password) if password is not None else None
    logins = []
    for email, name, role in DEMO_USERS:
        own = password if password is not None else secrets.token_urlsafe(12)
        session.add(
            User(
                email=email,
                name=name,
                role=role,
                password_hash=shared_hash or await hash_password(own),
                customer_id=acme.id if role == Role.customer else None,
                authority_level=default_authority(role),
            )
        )
        logins.append((email, own, role.value))
    await session.flush()
    return logins
