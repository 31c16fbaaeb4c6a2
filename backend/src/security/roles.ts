import { SetMetadata } from '@nestjs/common';

/**
 * REST roles (docs/security.md): each role includes the ones before it.
 * - read: every GET;
 * - control: relays, plans, automation, prices;
 * - admin: devices, tokens, configuration.
 */
export const ROLES = ['read', 'control', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when a token of role `held` may do what needs `needed`. */
export function roleCovers(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export const ROLE_METADATA = 'dinmeter:role';
export const PUBLIC_METADATA = 'dinmeter:public';

/**
 * The role a route needs. A route without it needs `read` for GET/HEAD and `admin` otherwise,
 * so a new route is closed until someone decides.
 */
export const RequireRole = (role: Role) => SetMetadata(ROLE_METADATA, role);

/** A route anyone may call without a token (the health probe; claim redemption, which limits guessing itself). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
