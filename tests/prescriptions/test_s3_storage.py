"""The production storage for prescription files, against a real S3 API (moto's server
on 127.0.0.1, no internet): uploaded through the real view, read back through the
access-checked view, encrypted at rest, private, and never given a URL."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
import pytest

from prescriptions.models import PrescriptionFile, private_storage
from prescriptions.storage import PrivateFileHasNoURL
from tests.factories import product

from .conftest import form_data, unique_pdf, upload

pytestmark = pytest.mark.django_db

BUCKET = "rxshop-private-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture
def s3(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    # The production settings' S3 options (shop/settings.py), pointed at the local server.
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "prescriptions.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "object_parameters": {"ServerSideEncryption": "AES256"},
                **CREDENTIALS,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_prescription_uploaded_to_s3_is_encrypted_private_and_served_only_by_the_checked_view(
    alice_client, s3, s3_endpoint
):
    data = unique_pdf()
    response = alice_client.post(
        f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/",
        {**form_data(), "files": [upload("prescription.pdf", data)]},
    )
    assert response.status_code == 302
    stored = PrescriptionFile.objects.get()

    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [stored.stored_name]
    head = s3.head_object(Bucket=BUCKET, Key=stored.stored_name)
    assert head["ServerSideEncryption"] == "AES256"
    grants = s3.get_object_acl(Bucket=BUCKET, Key=stored.stored_name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)  # no AllUsers / AuthenticatedUsers

    served = alice_client.get(f"/prescriptions/files/{stored.public_id}/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == data

    with pytest.raises(PrivateFileHasNoURL):
        private_storage().url(stored.stored_name)
    prescription = stored.prescription
    for page in ("/prescriptions/", f"/prescriptions/{prescription.public_id}/", response["Location"]):
        html = alice_client.get(page).content.decode()
        assert s3_endpoint not in html and BUCKET not in html and "X-Amz-" not in html
