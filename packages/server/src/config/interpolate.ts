// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the messages show users the literal ${VAR} syntax of the config file
import { formatPath } from './problems'

const ENV_REF = /\$(\$?)\{([^}]*)\}/g
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Replaces `${NAME}` in every string of a parsed config with the variable's value (`$${NAME}`
 * stays a literal `${NAME}`). Each unset, empty or malformed reference becomes a line in
 * `problems` naming the field and the variable, never a value.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (match, escaped: string, name: string) => {
      if (escaped) return match.slice(1)
      const field = formatPath(path)
      if (!ENV_NAME.test(name)) {
        problems.push(
          `${field}: \${${name.slice(0, 40)}} is not a variable reference — names are letters, digits and _ (write $\${…} for a literal)`,
        )
        return ''
      }
      const found = env[name]
      const what = path.includes('apiKeys') ? 'the key' : 'the value'
      if (found === undefined) {
        problems.push(`${field}: \${${name}} is not set — export it or put ${what} in the file`)
        return ''
      }
      if (found === '') {
        problems.push(`${field}: \${${name}} is empty — export a value or put ${what} in the file`)
        return ''
      }
      return found
    })
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, problems, [...path, i]))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value))
      out[key] = interpolate(item, env, problems, [...path, key])
    return out
  }
  return value
}
