"""An independent verifier of MedicalEdu credentials, in another language and
library than the one that signs them (PyJWT with `cryptography`).

Reads {"token", "jwks", "revocations"} as JSON on stdin and prints
{"valid", "error", "credential", "revoked"}: whether the JWT's EdDSA signature
verifies with the published key its header names, the credential it carries,
and whether the revocation list names it.
"""

import json
import sys

import jwt

REQUIRED_TYPES = {"VerifiableCredential", "OpenBadgeCredential"}


def main():
    request = json.load(sys.stdin)
    token = request["token"]
    result = {"valid": False, "error": None, "credential": None, "revoked": None}
    try:
        keys = jwt.PyJWKSet.from_dict(request["jwks"])
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        credential = jwt.decode(
            token,
            key=key,
            algorithms=["EdDSA"],
            options={"verify_aud": False, "require": ["iss", "jti", "nbf"]},
        )
    except Exception as error:  # any refusal is the answer, not a crash
        result["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(result))
        return
    problems = []
    if credential.get("@context", [None])[0] != "https://www.w3.org/ns/credentials/v2":
        problems.append("@context")
    if not REQUIRED_TYPES.issubset(credential.get("type", [])):
        problems.append("type")
    if credential.get("iss") != credential.get("issuer", {}).get("id"):
        problems.append("issuer")
    if credential.get("jti") != credential.get("id"):
        problems.append("id")
    if "validFrom" not in credential:
        problems.append("validFrom")
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    if "criteria" not in achievement:
        problems.append("criteria")
    result["valid"] = not problems
    result["error"] = ", ".join(problems) or None
    result["credential"] = credential
    revoked = request.get("revocations", {}).get("revokedCredentials", [])
    result["revoked"] = any(
        entry.get("id") == credential.get("id") and entry.get("revoked", True)
        for entry in revoked
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
