import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from './roles';

/** A stored API key (table `api_keys`): only the SHA-256 of its secret is kept. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: Role;

  /** Writers only: the units it may write for; null means every unit. */
  @Column('text', { array: true, nullable: true })
  units!: string[] | null;

  @Column('text', { name: 'partner_id', nullable: true })
  partnerId!: string | null;

  @Column('bytea', { name: 'key_hash', unique: true })
  keyHash!: Buffer;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
