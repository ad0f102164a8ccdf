// Configuration, read and checked once at cold start. A missing variable fails loudly here, not
// halfway through a request.

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} must be set`);
  return value;
}

export const config = {
  get tableName() {
    return required('TABLE_NAME');
  },
  get publicUrl() {
    return required('PUBLIC_URL').replace(/\/$/, '');
  },
  get mailFrom() {
    return required('MAIL_FROM');
  },
  get auth() {
    return {
      issuer: required('JWT_ISSUER'),
      audience: required('JWT_AUDIENCE'),
      jwksUri: process.env.JWT_JWKS_URI ?? `${required('JWT_ISSUER')}/.well-known/jwks.json`,
    };
  },
  get corsOrigin() {
    return process.env.CORS_ORIGIN ?? '';
  },
};
