/** What a caller may do (contract §6): the role of its API key, or of the person logged in. */
export const ROLES = ['admin', 'writer', 'partner', 'reader'] as const;
export type Role = (typeof ROLES)[number];
