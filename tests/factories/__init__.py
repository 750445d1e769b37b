"""Test data: factory_boy factories on top of ``oscar.test.factories``, and the helpers
that drive the storefront through a test client.

    users          CustomerFactory, PharmacistFactory, TechnicianFactory, ShopAdministratorFactory
                   (``second_factor=True``: a confirmed TOTP device); staff_client, log_in_staff
    catalogue      OtcProductFactory, RxProductFactory, ControlledProductFactory, IsotretinoinProductFactory
    patients       PatientFactory (``child=True``)
    prescriptions  PrescriptionFactory in each state (``verified=True``...), built through the services;
                   the steps: submit, transcribe, verify, good_transcription
    compliance     PharmacyLicenceFactory, ProgrammeCertificationFactory (the pharmacy's standing)
    orders         OrderFactory (``authorised=True``), authorise
    storefront     the demo catalogue by UPC (``product``), add_to_basket, checkout_to_preview, place_order...

The role fixtures built from these (``pharmacist``, ``technician``, ``pharmacist_client``...)
are in ``tests/conftest.py``. Only tests import this package: the runtime packages never do.
"""

from .catalogue import (
    ControlledProductFactory,
    DrugProductClassFactory,
    IsotretinoinProductFactory,
    OtcProductClassFactory,
    OtcProductFactory,
    PharmacyPartnerFactory,
    PharmacyStockRecordFactory,
    RxProductFactory,
)
from .compliance import PharmacyLicenceFactory, ProgrammeCertificationFactory
from .orders import (
    AWAITING_DISPENSE,
    AWAITING_SHIPMENT,
    OrderFactory,
    USShippingAddressFactory,
    authorise,
)
from .patients import PatientFactory, years_ago
from .prescriptions import (
    PATIENT,
    PRESCRIBER,
    PrescriptionFactory,
    good_transcription,
    submit,
    transcribe,
    transcription_for,
    unique_pdf,
    verify,
)
from .storefront import (
    US_ADDRESS,
    add_to_basket,
    answer_3d_secure,
    checkout_to_preview,
    choose_test_card,
    place_order,
    product,
)
from .users import (
    CustomerFactory,
    PharmacistFactory,
    ShopAdministratorFactory,
    TechnicianFactory,
    TOTPDeviceFactory,
    log_in_staff,
    role_group,
    staff_client,
)

__all__ = [
    "AWAITING_DISPENSE",
    "AWAITING_SHIPMENT",
    "PATIENT",
    "PRESCRIBER",
    "US_ADDRESS",
    "ControlledProductFactory",
    "CustomerFactory",
    "DrugProductClassFactory",
    "IsotretinoinProductFactory",
    "OrderFactory",
    "OtcProductClassFactory",
    "OtcProductFactory",
    "PatientFactory",
    "PharmacistFactory",
    "PharmacyLicenceFactory",
    "PharmacyPartnerFactory",
    "PharmacyStockRecordFactory",
    "PrescriptionFactory",
    "ProgrammeCertificationFactory",
    "RxProductFactory",
    "ShopAdministratorFactory",
    "TOTPDeviceFactory",
    "TechnicianFactory",
    "USShippingAddressFactory",
    "add_to_basket",
    "answer_3d_secure",
    "authorise",
    "checkout_to_preview",
    "choose_test_card",
    "good_transcription",
    "log_in_staff",
    "place_order",
    "product",
    "role_group",
    "staff_client",
    "submit",
    "transcribe",
    "transcription_for",
    "unique_pdf",
    "verify",
    "years_ago",
]
