/**
 * The I/O edge of segmentation: reads the domain dictionary (lexicon/xinfang.dict.txt) once per
 * process and builds the shared segmenter (jieba's dictionary loads in ~0.3 s; one copy serves all).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSegmenter, type Segmenter } from '../domain/text/segment.js';

export const DEFAULT_LEXICON = fileURLToPath(new URL('../../lexicon/xinfang.dict.txt', import.meta.url));

let shared: Segmenter | undefined;

/** Returns the process-wide segmenter over jieba's dictionary plus the domain dictionary. */
export function sharedSegmenter(): Segmenter {
  shared ??= createSegmenter(fs.readFileSync(DEFAULT_LEXICON));
  return shared;
}
