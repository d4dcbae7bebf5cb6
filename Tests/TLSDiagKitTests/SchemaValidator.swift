import Foundation

/// A validator for the subset of JSON Schema (2020-12) that docs/tlsdiag.schema.json uses:
/// `type` (one or a list), `enum`, `required`, `properties`, `additionalProperties: false`, `items`,
/// `pattern`. Anything else in the schema is an error, so the schema cannot silently outgrow the check.
struct SchemaValidator: @unchecked Sendable {
    let schema: [String: Any]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        schema = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static let known: Set<String> = ["$schema", "$id", "title", "type", "enum", "required", "properties",
                                     "additionalProperties", "items", "pattern"]

    /// Errors for one JSON text (empty when valid).
    func validate(jsonText: String) -> [String] {
        guard let data = jsonText.data(using: .utf8),
              let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return ["not valid JSON"]
        }
        var errors: [String] = []
        check(value, schema, path: "$", errors: &errors)
        return errors
    }

    func typeName(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if let n = v as? NSNumber {
            if String(describing: type(of: n)).contains("Boolean") { return "boolean" }
            if n.doubleValue == n.doubleValue.rounded(), !"\(n)".contains(".") { return "integer" }
            return "number"
        }
        if v is String { return "string" }
        if v is [Any] { return "array" }
        if v is [String: Any] { return "object" }
        return "unknown"
    }

    func check(_ v: Any, _ s: [String: Any], path: String, errors: inout [String]) {
        for k in s.keys where !SchemaValidator.known.contains(k) { errors.append("\(path): schema keyword \(k) not supported by the validator") }
        let t = typeName(v)
        if let ty = s["type"] {
            let allowed = (ty as? [String]) ?? [ty as! String]
            let ok = allowed.contains(t) || (t == "integer" && allowed.contains("number"))
            if !ok { errors.append("\(path): \(t) is not \(allowed)"); return }
        }
        if let e = s["enum"] as? [Any] {
            let matches = e.contains { cand in
                if cand is NSNull { return v is NSNull }
                if let a = cand as? String, let b = v as? String { return a == b }
                return false
            }
            if !matches { errors.append("\(path): \(v) not in enum") }
        }
        if let p = s["pattern"] as? String, let str = v as? String {
            if str.range(of: p, options: .regularExpression) == nil { errors.append("\(path): '\(str)' does not match \(p)") }
        }
        if let o = v as? [String: Any] {
            let props = s["properties"] as? [String: Any] ?? [:]
            for r in s["required"] as? [String] ?? [] where o[r] == nil { errors.append("\(path): missing \(r)") }
            if let ap = s["additionalProperties"] as? Bool, !ap {
                for k in o.keys where props[k] == nil { errors.append("\(path): unexpected property \(k)") }
            }
            for (k, sub) in props { if let val = o[k] { check(val, sub as! [String: Any], path: "\(path).\(k)", errors: &errors) } }
        }
        if let a = v as? [Any], let items = s["items"] as? [String: Any] {
            for (i, el) in a.enumerated() { check(el, items, path: "\(path)[\(i)]", errors: &errors) }
        }
    }
}
