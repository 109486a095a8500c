import { attribute } from './attribute.js';

/** RFC 7643 §3.1 attributes every resource has, outside any schema. */
export const commonAttributes = [
  attribute('id', 'string', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
    description: 'A unique identifier for a SCIM resource as defined by the service provider.',
  }),
  attribute('externalId', 'string', {
    caseExact: true,
    description: 'A String that is an identifier for the resource as defined by the provisioning client.',
  }),
  attribute('meta', 'complex', {
    mutability: 'readOnly',
    description: 'Resource metadata.',
    subAttributes: [
      attribute('resourceType', 'string', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', { mutability: 'readOnly' }),
      attribute('location', 'reference', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
] as const;
