import { GROUP_SCHEMA } from '../urns.js';
import { attribute, type SchemaDefinition } from './attribute.js';

/** RFC 7643 §4.2 Group. */
export const coreGroupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', {
      required: true,
      uniqueness: 'server',
      description: 'A human-readable name for the Group.',
    }),
    attribute('members', 'complex', {
      multiValued: true,
      description: 'A list of members of the Group.',
      subAttributes: [
        attribute('value', 'string', { mutability: 'immutable', description: 'Identifier of the member.' }),
        attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        attribute('display', 'string', {
          mutability: 'readOnly',
          description: 'A human-readable name of the member.',
        }),
        attribute('type', 'string', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      ],
    }),
  ],
};
