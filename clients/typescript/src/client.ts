// A typed client as an SPA would write it, against types generated from openapi/openapi.json.
// It is compiled with `tsc --strict` (tests/clients): if the contract stops matching what a
// client needs — a login form, a list page, an action, a problem's code/detail/errors — this
// stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];
type ServiceOrder = components["schemas"]["ServiceOrderRead"];

export function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  const allowed = problem.allowed_actions ?? [];
  return [`${problem.status} ${problem.code}: ${problem.detail}`, ...fields, ...allowed].join("\n");
}

export async function walkthrough(baseUrl: string, email: string, password: string) {
  const api = createClient<paths>({ baseUrl });

  const login = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username: email, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (login.error) {
    throw new Error(describe(login.error));
  }
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  const page = await api.GET("/api/v1/service-orders", {
    params: { query: { limit: 20, status: ["assigned"] } },
    headers,
  });
  if (page.error) {
    throw new Error(describe(page.error));
  }
  const first: ServiceOrder | undefined = page.data.items[0];
  if (first === undefined) {
    return { orders: 0, next: page.data.next_cursor };
  }

  const started = await api.POST("/api/v1/service-orders/{order_id}/start", {
    params: {
      path: { order_id: first.id },
      header: { "If-Match": `"${first.version}"`, "Idempotency-Key": crypto.randomUUID() },
    },
    body: {},
    headers,
  });
  if (started.error) {
    // 409 invalid_transition names what is allowed; 422 names the fields.
    const problem: Problem = started.error;
    return { orders: page.data.items.length, problem: describe(problem), code: problem.code };
  }
  const status: string = started.data.status;
  const etag: string | null = started.response.headers.get("ETag");
  return { orders: page.data.items.length, status, etag };
}
