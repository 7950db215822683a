/**
 * GeoReport v2 XML: the same answers as the JSON ones, under the spec's element names (`<services>
 * <service>`, `<service_definition><attributes><attribute><values><value>`, `<service_requests>
 * <request>`, `<errors><error>`, `<discovery>`), UTF-8 with its declaration. Text is escaped by the
 * builder; characters XML 1.0 cannot carry at all are dropped.
 */
import { XMLBuilder } from 'fast-xml-parser';

const builder = new XMLBuilder({ format: true, suppressEmptyNode: false });
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
// XML 1.0 Char: no C0 controls but tab, LF, CR; no U+FFFE/U+FFFF; no lone surrogates.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/gu;

type Node = string | number | boolean | null | undefined | Node[] | { [k: string]: Node };

function cleanse(v: Node): Node {
  if (typeof v === 'string') return v.replace(NOT_XML, '');
  if (Array.isArray(v)) return v.map(cleanse);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, cleanse(x)]));
  return v;
}

/** Given the root element's name and its content, returns the XML document. */
function render(root: string, content: Node): string {
  return DECLARATION + builder.build({ [root]: cleanse(content) });
}

/** Given the discovery document (its endpoints' formats as a list), returns `<discovery>`. */
export function discoveryXml(d: { changeset: string; contact: string; key_service: string; endpoints: { specification: string; url: string; changeset: string; type: string; formats: string[] }[] }): string {
  return render('discovery', {
    changeset: d.changeset,
    contact: d.contact,
    key_service: d.key_service,
    endpoints: { endpoint: d.endpoints.map((e) => ({ ...e, formats: { format: e.formats } })) },
  });
}

/** Given services, returns `<services><service>…`. */
export function servicesXml(services: readonly object[]): string {
  return render('services', { service: services as Node[] });
}

/** Given a service definition, returns `<service_definition>` with `<attributes><attribute>` and each list's `<values><value>`. */
export function serviceDefinitionXml(def: { service_code: string; attributes: readonly { values?: { key: string; name: string }[] }[] }): string {
  return render('service_definition', {
    service_code: def.service_code,
    attributes: {
      attribute: def.attributes.map(({ values, ...a }) => ({ ...(a as Record<string, Node>), ...(values ? { values: { value: values } } : {}) })),
    },
  });
}

/** Given requests (or POST and token answers, which the spec wraps alike), returns `<service_requests><request>…`. */
export function serviceRequestsXml(requests: readonly object[]): string {
  return render('service_requests', { request: requests as Node[] });
}

/** Given errors, returns `<errors><error>…`. */
export function errorsXml(errors: readonly object[]): string {
  return render('errors', { error: errors as Node[] });
}
