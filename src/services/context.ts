/**
 * What every service needs, built once at boot and passed in: the database, the statute, the
 * personal-data cipher, the logger and the clock (injected so tests and simulations control time).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database, Db } from '../store/database.js';
import type { Statute } from '../domain/deadlines/index.js';
import type { createCipher } from '../domain/personal-data/cipher.js';
import type { Segmenter } from '../domain/text/segment.js';

export type Cipher = ReturnType<typeof createCipher>;

export interface AppContext {
  database: Database;
  db: Db;
  config: Config;
  statute: Statute;
  cipher: Cipher;
  logger: Logger;
  now: () => Date;
  /** Chinese word segmentation (jieba + the domain dictionary) for search and matching. */
  segmenter: Segmenter;
  /** Where attachment bytes live (content-addressed files under config.uploadDir). */
  uploadDir: string;
}

/** A signed-in staff member, as every service sees him. */
export interface StaffActor {
  kind: 'staff';
  userId: string;
  username: string;
  displayName: string;
  roles: readonly import('../domain/lifecycle/types.js').StaffRole[];
  unitId: string;
  unitPath: string;
  scopeUnitId: string;
  scopePath: string;
}

/** A petitioner proven by case number + query code on the public portal. */
export interface PetitionerActor {
  kind: 'petitioner';
  caseId: string;
}

export type ServiceActor = StaffActor | PetitionerActor;
