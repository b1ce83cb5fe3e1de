"""The local Cognito user pool (moto's ``cognito-idp``) that holds the profiles under ``brickguard up``."""
