import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../../services/context.js";
/** Admin routes: org tree, users, categories, import (being written). */
export const adminRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async () => {};
