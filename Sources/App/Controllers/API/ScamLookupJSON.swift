import BinhYenCore
import NIOCore

/// The public lookup's answer in the API's JSON (`Schemas.ScamLookup`), written directly: a lookup
/// asked for the first time is a handful of strings, and going through the generated server and
/// Foundation's encoder cost more than finding the answer. The tests compare it with the schema's
/// own encoding.
enum ScamLookupJSON {
    static func encode(_ answer: ScamRegistry.Answer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let (vi, en) = ScamLookupText.message(answer)
        var buffer = allocator.buffer(capacity: 512 + (answer.warning?.utf8.count ?? 0))
        buffer.writeString(#"{"indicator":{"kind":"#)
        string(answer.indicator.kind.rawValue, into: &buffer)
        buffer.writeString(#","value":"#)
        string(answer.indicator.value, into: &buffer)
        buffer.writeString(#","display":"#)
        string(answer.indicator.display, into: &buffer)
        buffer.writeString(#"},"verdict":"#)
        string(answer.verdict.rawValue, into: &buffer)
        buffer.writeString(#","reports":"# + String(answer.reports))
        if let warning = answer.warning {
            buffer.writeString(#","warning":"#)
            string(warning, into: &buffer)
        }
        buffer.writeString(answer.byMatch ? #","byMatch":true,"message":"# : #","byMatch":false,"message":"#)
        string(vi, into: &buffer)
        buffer.writeString(#","messageEn":"#)
        string(en, into: &buffer)
        buffer.writeString("}")
        return buffer
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func string(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeString("\"")
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            buffer.writeString(text)
        } else {
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): buffer.writeString(#"\""#)
                case UInt8(ascii: "\\"): buffer.writeString(#"\\"#)
                case UInt8(ascii: "\n"): buffer.writeString(#"\n"#)
                case UInt8(ascii: "\r"): buffer.writeString(#"\r"#)
                case UInt8(ascii: "\t"): buffer.writeString(#"\t"#)
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeBytes(Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeString("\"")
    }
}
