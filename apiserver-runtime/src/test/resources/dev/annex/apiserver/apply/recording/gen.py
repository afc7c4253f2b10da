import json, re, yaml, shlex, copy
R='/work/main/apiserver-runtime/src/test/resources/dev/annex/apiserver/apply/'

def heredocs(script):
    s=open(script).read()
    out={}
    for m in re.finditer(r"^(apply|req) (.*?) <<'(\w)' > \$out/(\S+)\n(.*?)\n\3$", s, re.M|re.S):
        kind,args,_,fname,body=m.groups()
        out[fname]=(kind,shlex.split(args),body)
    return out

def load(p):
    return json.load(open(p))

def step_from(kind,args,body,expect,name):
    st={'name':name}
    if kind=='apply':
        target=args[0]; manager=args[1]
        query=args[3] if len(args)>3 else ''
        obj,_,sub=target.partition('/')
        st.update(op='apply',object=obj,subresource=sub,manager=manager,force='force=true' in query,body=yaml.safe_load(body))
    else:
        method,url,ct=args[0],args[1],args[2]
        ua=None
        if '-A' in args: ua=args[args.index('-A')+1]
        path,_,q=url.partition('?')
        mgr=dict(x.split('=') for x in q.split('&') if x).get('fieldManager','')
        path=path.strip('/')
        obj,_,sub=path.partition('/')
        body=json.loads(body)
        if method=='POST':
            st.update(op='create',object=body['metadata']['name'],subresource='',manager=mgr,userAgent=ua,body=body)
        else:
            st.update(op='merge-patch',object=obj,subresource=sub,manager=mgr,body=body)
    st['expect']=expect
    return st

def scenario(fname, steps, seeds=None):
    json.dump({'seeds':seeds or {},'steps':steps}, open(R+fname,'w'), indent=1)

# A: probe1 sequence
h=heredocs('probe1.sh')
steps=[step_from(*h[f],load('cap1/'+f),f[:-5]) for f in sorted(h)]
for st in steps:  # Go's YAML 1.1 reads the key y as true; PyYAML does not
    deep=st['body'].get('spec',{}).get('extra',{}).get('deep')
    if deep and 'y' in deep: deep['true']=deep.pop('y')
scenario('two-appliers.json', steps)

# D: list ordering (probe3 07-10), C: status/main updates on f5 after UA create
h2=heredocs('probe2.sh'); h3=heredocs('probe3.sh')
lo=[step_from(*h3[f],load('cap3/'+f),f[:-5]) for f in ['07-f7-one.json','08-f7-two.json','09-f7-one-reorder.json','10-f7-three-empty.json']]
lo[3]['body']['spec']['extra']['false']=lo[3]['body']['spec']['extra'].pop('n')  # Go's YAML 1.1: n is false
scenario('list-order.json',lo)
def ua(name,obj,agent,f):
    return {'name':f[:-5],'op':'create','object':obj,'subresource':'','manager':'','userAgent':agent,
      'body':{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":obj,"namespace":"wardle"},"spec":{"reference":"u"}},'expect':load('cap2/'+f)}
scenario('user-agent-and-status.json',[ua('a','f5','my-tool/1.2 (linux) extra','09-ua-create.json'),ua('b','f6','Two Words/1.0','10-ua2-create.json')]+
         [step_from(*h3[f],load('cap3/'+f),f[:-5]) for f in ['03-f5-status-merge.json','04-f5-main-merge-status.json']])

# B: PUTs with client managedFields on f2, then untracked updates, then first apply
seed=load('cap2/f2.json')
steps=[]
for n in ['badop','badfields','longmanager','nofieldstype','badtype','emptylist','custom','badmanagerchar','reset']:
    steps.append({'name':'08-put-'+n,'op':'put','object':'f2','subresource':'','manager':'putter','body':load('cap2/put-%s.in'%n),'expect':load('cap2/08-put-%s.json'%n)})
steps.append({'name':'18-status-put','op':'put','object':'f2','subresource':'status','manager':'stw','body':load('cap2/st.in'),'expect':load('cap2/18-status-put.json')})
for f in ['19-status-merge.json','20-update-add-annotations.json','21-update-remove-labels.json']:
    steps.append(step_from(*h2[f],load('cap2/'+f),f[:-5]))
for f in ['05-f2-apply-untracked-conflict.json','06-f2-apply-untracked-same.json']:
    steps.append(step_from(*h3[f],load('cap3/'+f),f[:-5]))
scenario('client-managed-fields.json',steps,{'f2':seed})

# E: apply refusals on f2
steps=[]
steps.append({'name':'11-apply-nomanager','op':'apply','object':'f2','subresource':'','manager':'','force':False,
  'body':{'apiVersion':'wardle.example.com/v1alpha1','kind':'Flunder','metadata':{'name':'f2'}},'expect':load('cap2/11-apply-nomanager.json')})
for f in ['12-apply-with-managedfields.json','13-apply-wrong-version.json','14-apply-wrong-kind.json','15-apply-unknown-field.json','16-apply-dup-set.json']:
    steps.append(step_from(*h2[f],load('cap2/'+f),f[:-5]))
scenario('apply-refused.json',steps,{'f2':seed})

# F: kubectl apply --server-side after client-side kubectl apply
f4=load('cap3/02-f4-after-failed-upgrade.json')
msg=open('cap2/07-ssa-f4.err').read().splitlines()[0][len('error: '):]
f4b=yaml.safe_load(open('f4b.yaml'))
f3seed=json.loads(json.dumps(f4).replace('"f4','"f3').replace('\\"f4\\"','\\"f3\\"').replace('"edited"','"r1"'))
f3b=yaml.safe_load(open('f3b.yaml'))
steps=[{'name':'07-ssa-f4-conflict','op':'apply','object':'f4','subresource':'','manager':'kubectl','force':False,'body':f4b,
        'expect':{'kind':'Status','apiVersion':'v1','metadata':{},'status':'Failure','message':msg,'reason':'Conflict',
                  'details':{'causes':[{'reason':'FieldManagerConflict','message':'conflict with "kubectl-client-side-apply" using wardle.example.com/v1alpha1','field':'.spec.reference'}]},'code':409}},
       {'name':'03-ssa-after-csa','op':'apply','object':'f3','subresource':'','manager':'kubectl','force':False,'body':f3b,'expect':load('cap2/03-ssa-after-csa.json')}]
scenario('client-side-apply-upgrade.json',steps,{'f4':f4,'f3':f3seed})
print("ok")

# G: kubectl 1.32 `apply --server-side` after `kubectl apply`, request by request (recorded with -v=9)
import urllib.parse
def kubectl_steps(logfile, obj, first=0):
    log=open(logfile).read().splitlines()
    events=[]
    for i,l in enumerate(log):
        if 'curl -v -XPATCH' in l:
            m=re.search(r'Content-Type: ([^"]+)".*\'(https://[^\']+)\'',l)
            events.append(('req',m.group(1),m.group(2)))
        elif 'Request Body" body=<' in l:
            events.append(('reqbody',log[i+1].strip()))
        elif 'Response Body" body=<' in l:
            events.append(('respbody',log[i+1].strip()))
        elif 'Request Body" body="[' in l:
            m=re.search(r'body="(.*)"$',l); events.append(('reqbody',json.loads('"'+m.group(1)+'"')))
    steps=[]; body=None; req=None
    for e in events:
        if e[0]=='reqbody': body=json.loads(e[1])
        elif e[0]=='req': req=e
        elif e[0]=='respbody' and req:
            q=urllib.parse.parse_qs(urllib.parse.urlparse(req[2]).query)
            op={'application/apply-patch+yaml':'apply','application/json-patch+json':'json-patch'}[req[1]]
            steps.append({'name':'%d-%s-%s'%(first+len(steps)+1,op,q['fieldManager'][0]),'op':op,'object':obj,'subresource':'',
                          'manager':q['fieldManager'][0],'force':q.get('force',['false'])[0]=='true','body':body,'expect':json.loads(e[1])})
            req=None
    return steps
steps=kubectl_steps('csa.log','f11')
scenario('kubectl-server-side-upgrade.json',steps,{'f11':load('csa-seed.json')})
print(len(steps),'kubectl steps')

# H: owners (finalizers set, ownerReferences keyed by uid, atomic items), status appliers, force over an updater
h4=heredocs('probe4.sh')
scenario('owners-status-force.json',[step_from(*h4[f],load('cap4/'+f),f[:-5]) for f in sorted(h4)])

# I: more than ten update managers: the oldest merge into ancient-changes
steps=[step_from('apply',['f13','base'],'apiVersion: wardle.example.com/v1alpha1\nkind: Flunder\nmetadata: {name: f13}\nspec: {reference: base}',load('cap5/00-base.json'),'00-base')]
for i in range(1,13):
    n='%02d'%i
    steps.append({'name':n+'-u'+n,'op':'merge-patch','object':'f13','subresource':'','manager':'u'+n,
                  'body':{'metadata':{'labels':{'l'+n:'v'}}},'expect':load('cap5/%s-u%s.json'%(n,n))})
scenario('update-managers-cap.json',steps)

# J: Widget (no status subresource): integer set items and integer map keys, nested granular objects in items
h6=heredocs('probe6.sh')
steps=[]
for f in sorted(h6):
    st=step_from(*h6[f],load('cap6/'+f),f[:-5])
    steps.append(st)
d={'kind':'Widget','schema':'widget-schema.json','statusSubresource':False,'seeds':{},'steps':steps}
json.dump(d,open(R+'widget-numbers-nested.json','w'),indent=1)

# K: sharing with an updater, an applier that also updates, dropping co-owned items, status untouched by main applies
h7=heredocs('probe7.sh')
scenario('shared-with-updaters.json',[step_from(*h7[f],load('cap7/'+f),f[:-5]) for f in sorted(h7)])

# L: the upgrade when someone else edited a field since: kubectl conflicts, then --force-conflicts
st=kubectl_steps('csa2a.log','f15'); st+=kubectl_steps('csa2b.log','f15',len(st))
scenario('kubectl-server-side-upgrade-conflict.json',st,{'f15':load('csa2-seed.json')})
print([ (x['name'], x['expect'].get('code',200)) for x in st])

# M: applied values of the wrong type or unknown fields: upstream's 500 from building the typed patch
h9=heredocs('probe9.sh')
scenario('apply-refused-typed.json',[step_from(*h9[f],load('cap9/'+f),f[:-5]) for f in sorted(h9) if not f.startswith('06')])
